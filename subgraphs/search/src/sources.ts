/**
 * What the search service reads from the services that own the data, called directly with its
 * own signed identity: the catalog's change feed (product service) and whether products can be
 * bought (order service).
 */
import { serviceIdentity } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';
import type { CatalogDocument } from './domain';

export interface CatalogFeedPage {
  documents: CatalogDocument[];
  endPosition: string | null;
  hasMore: boolean;
}

/** The product service's change feed: products in (updatedAt, id) order, after a position. */
export interface CatalogFeed {
  changes(after: string | null, first: number): Promise<CatalogFeedPage>;
}

/** Whether each product has a variant that can be sold now. */
export interface StockSource {
  inStock(productIds: readonly string[]): Promise<Map<string, boolean>>;
}

const identity = serviceIdentity('search');

const catalogChangesQuery = `query CatalogChanges($after: String, $first: Int!) {
  catalogChanges(after: $after, first: $first) {
    documents {
      id slug title description brand categorySlug categoryName
      minPrice maxPrice currencyCode createdAt updatedAt position
    }
    endPosition
    hasMore
  }
}`;

export function productServiceFeed(endpoint: SubgraphEndpoint): CatalogFeed {
  return {
    async changes(after, first) {
      const data = await callSubgraph<{ catalogChanges: CatalogFeedPage }>(
        'product',
        endpoint,
        identity,
        catalogChangesQuery,
        { after, first },
      );
      return data.catalogChanges;
    },
  };
}

const availabilityQuery = `query Availability($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id availableForSale }
  }
}`;

/** Stock from the order service's Product entity, 500 products per call. */
export function orderServiceStock(endpoint: SubgraphEndpoint): StockSource {
  return {
    async inStock(productIds) {
      const result = new Map<string, boolean>();
      const ids = [...new Set(productIds)];
      for (let start = 0; start < ids.length; start += 500) {
        const chunk = ids.slice(start, start + 500);
        const data = await callSubgraph<{
          _entities: ({ id: string; availableForSale: boolean | null } | null)[];
        }>('order', endpoint, identity, availabilityQuery, {
          representations: chunk.map((id) => ({ __typename: 'Product', id })),
        });
        chunk.forEach((id, i) => {
          const entity = data._entities[i];
          if (!entity || entity.availableForSale === null) {
            throw new Error(`the order service did not say whether product ${id} is in stock`);
          }
          result.set(id, entity.availableForSale);
        });
      }
      return result;
    },
  };
}
