/**
 * Writes the generated catalog: products, variants, pointers, listings and reviews to DynamoDB,
 * stock to the order service's PostgreSQL table. Idempotent: every item has a fixed key, stock
 * is an upsert, and a marker records what was applied so a second run is a no-op.
 */
import {
  categoryItem,
  listingItems,
  productItem,
  reviewItem,
  skuItem,
  slugItem,
  variantItem,
} from '../../subgraphs/product/src/catalog.items';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Pool } from 'pg';
import type { DynaliteStore } from '../embedded/dynamodb-store';
import type { Item } from '../../common/dynamo';
import type { Logger } from '../../common/logger';
import { upsertStock } from '../../subgraphs/order/src/stock.repository';
import { writeItems } from '../../subgraphs/product/src/catalog.repository';
import { key, toKey, type CatalogTable } from '../../subgraphs/product/src/catalog.table';
import { generateCatalog, seedCategories, type GeneratedProduct } from './generate';

export interface SeedOptions {
  products: number;
  seed?: number;
  /** Re-apply even when the marker says this seed is already there. */
  force?: boolean;
  logger?: Logger;
  /** Where the DynamoDB items go; default: BatchWriteItem through `db.client`. */
  writer?: ItemWriter;
}

/** Writes catalog items and reads the seed marker. */
export interface ItemWriter {
  put(items: readonly Item[]): Promise<void>;
  get(itemKey: Item): Promise<Item | undefined>;
}

/** Through the DynamoDB API: BatchWriteItem, 25 items a request, 8 requests in flight. */
export const apiWriter = (db: CatalogTable): ItemWriter => ({
  put: (items) => writeItems(db, items, 8),
  get: async (itemKey) =>
    (
      await db.client.send(
        new GetItemCommand({ TableName: db.name, Key: itemKey, ConsistentRead: true }),
      )
    ).Item,
});

export interface SeedResult {
  applied: boolean;
  products: number;
  items: number;
  ms: number;
}

/** The DynamoDB items of one generated product. */
export function itemsOf(entry: GeneratedProduct): Item[] {
  const { product, variants, reviews } = entry;
  return [
    productItem(product),
    slugItem(product.slug, product.id),
    ...listingItems(product),
    ...variants.flatMap((v) => [variantItem(v), skuItem(v.sku, v.id)]),
    ...reviews.map(reviewItem),
  ];
}

/** Straight into a stopped embedded DynamoDB's LevelDB (see dev/embedded/dynamodb-store.ts). */
export const storeWriter = (store: DynaliteStore, table: string): ItemWriter => ({
  put: (items) => store.putItems(table, items),
  get: (itemKey) => store.getItem(table, itemKey),
});

/** How many products the seed marker says are seeded (0 when none). */
export async function seededProducts(writer: ItemWriter): Promise<number> {
  return Number((await writer.get(toKey(key.seed())))?.products?.N ?? '0');
}

export async function seedCatalog(
  db: CatalogTable,
  pool: Pool,
  options: SeedOptions,
): Promise<SeedResult> {
  const started = Date.now();
  const writer = options.writer ?? apiWriter(db);
  const seeded = await seededProducts(writer);
  if (!options.force && seeded >= options.products) {
    return { applied: false, products: seeded, items: 0, ms: Date.now() - started };
  }

  const counts = new Map<string, number>();
  let items = 0;
  let written = 0;
  let batch: GeneratedProduct[] = [];
  const write = async (entries: GeneratedProduct[]) => {
    const toWrite = entries.flatMap(itemsOf);
    await Promise.all([
      writer.put(toWrite),
      upsertStock(
        pool,
        entries.flatMap((e) =>
          e.variants.map((v) => ({
            variantId: v.id,
            productId: v.productId,
            quantity: e.stock.get(v.id) ?? 0,
          })),
        ),
      ),
    ]);
    items += toWrite.length;
    written += entries.length;
  };
  // One batch is written while the next is generated.
  let inFlight: Promise<void> = Promise.resolve();
  let lastReport = 0;
  for (const entry of generateCatalog({ products: options.products, seed: options.seed })) {
    counts.set(entry.product.categorySlug, (counts.get(entry.product.categorySlug) ?? 0) + 1);
    batch.push(entry);
    if (batch.length === 500) {
      await inFlight;
      inFlight = write(batch);
      batch = [];
      if (written >= lastReport + 10_000) {
        lastReport = written;
        options.logger?.info('seeding catalog', { products: written, of: options.products });
      }
    }
  }
  await inFlight;
  await write(batch);

  await writer.put([
    ...seedCategories(counts).map(categoryItem),
    { ...toKey(key.counts()), products: { N: String(options.products) } },
  ]);
  // The marker last: a seed cut short is redone.
  await writer.put([
    {
      ...toKey(key.seed()),
      products: { N: String(options.products) },
      seed: { N: String(options.seed ?? 0) },
      at: { S: new Date().toISOString() },
    },
  ]);
  return { applied: true, products: options.products, items, ms: Date.now() - started };
}
