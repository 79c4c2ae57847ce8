/**
 * The catalog's change feed, read from the product service (its internal `catalogChanges` query),
 * called directly with the search service's own signed identity.
 */
import { serviceIdentity } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';
import type { FeedDocument } from './domain';

export interface CatalogFeedPage {
  documents: FeedDocument[];
  endPosition: string | null;
  hasMore: boolean;
}

/** The product service's change feed: products in (updatedAt, id) order, after a position. */
export interface CatalogFeed {
  changes(after: string | null, first: number): Promise<CatalogFeedPage>;
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
