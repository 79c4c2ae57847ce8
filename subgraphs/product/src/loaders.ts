/**
 * Per-request DataLoaders over the shared cache. DataLoader dedupes and batches within a
 * request; the shared cache (Redis or in-process) serves across requests and replicas. A batch
 * reads the cache with one MGET, fetches only the misses from DynamoDB, and stores what it found.
 */
import { type CatalogTable } from './catalog.table';
import DataLoader from 'dataloader';
import { measuredBatch } from '../../../common/metrics';
import type { SharedCache } from '../../../common/cache';
import type { Category, Product, Variant } from './domain';
import {
  getCategories,
  getProductCount,
  getProductIdsBySlug,
  getProducts,
  getVariants,
} from './catalog.repository';

export interface CacheSettings {
  /** How long a found record stays cached. */
  ttlSeconds: number;
  /** How long "no such record" stays cached (short: a create must not wait long to show). */
  missTtlSeconds: number;
}

/** Marks a cached miss, so unknown ids do not reach DynamoDB on every request. */
const MISS = '-';

/**
 * Wraps a batch fetch with cache-aside: returns one value (or null) per key, in key order.
 */
export function cacheAside<V>(
  cache: SharedCache,
  settings: CacheSettings,
  fetch: (keys: readonly string[]) => Promise<Map<string, V>>,
) {
  return async (keys: readonly string[]): Promise<(V | null)[]> => {
    const cached = await cache.getMany(keys);
    const results: (V | null)[] = new Array(keys.length).fill(null);
    const missing: string[] = [];
    cached.forEach((text, i) => {
      if (text === null) missing.push(keys[i]);
      else if (text !== MISS) results[i] = JSON.parse(text) as V;
    });
    if (missing.length === 0) return results;

    const fetched = await fetch(missing);
    const found: [string, string][] = [];
    const absent: [string, string][] = [];
    for (const k of missing) {
      const value = fetched.get(k);
      if (value === undefined) absent.push([k, MISS]);
      else found.push([k, JSON.stringify(value)]);
    }
    await Promise.all([
      cache.setMany(found, settings.ttlSeconds),
      cache.setMany(absent, settings.missTtlSeconds),
    ]);
    keys.forEach((k, i) => {
      if (results[i] === null) results[i] = fetched.get(k) ?? null;
    });
    return results;
  };
}

export interface CatalogLoaders {
  product: DataLoader<string, Product | null>;
  /**
   * Products as the table holds them now: strongly consistent reads that bypass the shared
   * cache. The change feed reads these, since a cached copy can be older than the feed entry
   * that names it (a read racing a write can put the old version back into the cache).
   */
  currentProduct: DataLoader<string, Product | null>;
  productIdBySlug: DataLoader<string, string | null>;
  variant: DataLoader<string, Variant | null>;
  category: DataLoader<string, Category | null>;
  productCount: DataLoader<'all', number>;
}

export function createCatalogLoaders(
  db: CatalogTable,
  cache: SharedCache,
  settings: CacheSettings,
): CatalogLoaders {
  const loader = <V>(
    name: string,
    prefix: string,
    fetch: (keys: readonly string[]) => Promise<Map<string, V>>,
  ) =>
    new DataLoader<string, V | null>(
      measuredBatch(name, cacheAside(cache.namespace(prefix), settings, fetch)),
      // DynamoDB's BatchGetItem takes 100 keys; batchGetAll splits larger batches anyway.
      { maxBatchSize: 100 },
    );
  return {
    product: loader('product', 'p:', (ids) => getProducts(db, ids)),
    currentProduct: new DataLoader<string, Product | null>(
      measuredBatch('currentProduct', async (ids) => {
        const found = await getProducts(db, ids, { consistent: true });
        return ids.map((id) => found.get(id) ?? null);
      }),
      { maxBatchSize: 100 },
    ),
    productIdBySlug: loader('productIdBySlug', 's:', (slugs) => getProductIdsBySlug(db, slugs)),
    variant: loader('variant', 'v:', (ids) => getVariants(db, ids)),
    category: loader('category', 'c:', (slugs) => getCategories(db, slugs)),
    productCount: new DataLoader<'all', number>(async (keys) => {
      const [count] = await cacheAside(cache.namespace('n:'), settings, async () => {
        return new Map([['all', await getProductCount(db)]]);
      })(['all']);
      return keys.map(() => count ?? 0);
    }),
  };
}
