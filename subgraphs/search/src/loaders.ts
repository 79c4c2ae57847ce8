/** Per-request DataLoaders of the search subgraph. */
import DataLoader from 'dataloader';
import { measuredBatch } from '../../../common/metrics';
import type { Pool } from 'pg';
import { similarProducts } from './signals.repository';

export interface SearchLoaders {
  /** Similar products by product id, one statement per page of products for each `first`. */
  similar(first: number): DataLoader<string, string[]>;
}

export function createSearchLoaders(db: Pool): SearchLoaders {
  const byFirst = new Map<number, DataLoader<string, string[]>>();
  return {
    similar(first) {
      let loader = byFirst.get(first);
      if (!loader) {
        loader = new DataLoader(
          measuredBatch('similar', async (ids: readonly string[]) => {
            const found = await similarProducts(db, ids, first);
            return ids.map((id) => found.get(id) ?? []);
          }),
        );
        byFirst.set(first, loader);
      }
      return loader;
    },
  };
}
