/**
 * Whether products can be bought, from the order service (its federation `_entities` entry point
 * for `Product`), called directly with the search service's own signed identity.
 */
import { serviceIdentity } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';

/** Whether each product has a variant that can be sold now. */
export interface StockSource {
  inStock(productIds: readonly string[]): Promise<Map<string, boolean>>;
}

const identity = serviceIdentity('search');

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
