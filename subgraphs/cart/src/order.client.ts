/**
 * What can still be sold of a variant, from the order service, which keeps stock: its federation
 * `_entities` entry point, called directly with an anonymous identity (stock is public).
 */
import { anonymous } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';

/** Units that can still be sold, by variant id (0 for a variant without stock). */
export type StockSource = (ids: readonly string[]) => Promise<Map<string, number>>;

const stockQuery = `query CartStock($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on ProductVariant { id quantityAvailable }
  }
}`;

interface StockEntity {
  id: string;
  quantityAvailable: number | null;
}

export function orderServiceStock(endpoint: SubgraphEndpoint): StockSource {
  return async (ids) => {
    const found = new Map<string, number>();
    if (ids.length === 0) return found;
    const data = await callSubgraph<{ _entities: (StockEntity | null)[] }>(
      'order',
      endpoint,
      anonymous,
      stockQuery,
      { r: ids.map((id) => ({ __typename: 'ProductVariant', id })) },
    );
    for (const entity of data._entities) {
      if (entity) found.set(entity.id, Math.max(0, entity.quantityAvailable ?? 0));
    }
    return found;
  };
}
