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
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Pool } from 'pg';
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
}

export interface SeedResult {
  applied: boolean;
  products: number;
  items: number;
  ms: number;
}

function itemsOf(entry: GeneratedProduct): Item[] {
  const { product, variants, reviews } = entry;
  return [
    productItem(product),
    slugItem(product.slug, product.id),
    ...listingItems(product),
    ...variants.flatMap((v) => [variantItem(v), skuItem(v.sku, v.id)]),
    ...reviews.map(reviewItem),
  ];
}

export async function seedCatalog(
  db: CatalogTable,
  pool: Pool,
  options: SeedOptions,
): Promise<SeedResult> {
  const started = Date.now();
  const marker = await db.client.send(
    new GetItemCommand({ TableName: db.name, Key: toKey(key.seed()), ConsistentRead: true }),
  );
  const seeded = Number(marker.Item?.products?.N ?? '0');
  if (!options.force && seeded >= options.products) {
    return { applied: false, products: seeded, items: 0, ms: Date.now() - started };
  }

  const counts = new Map<string, number>();
  let items = 0;
  let written = 0;
  let batch: GeneratedProduct[] = [];
  const flush = async () => {
    const toWrite = batch.flatMap(itemsOf);
    await Promise.all([
      writeItems(db, toWrite, 8),
      upsertStock(
        pool,
        batch.flatMap((e) =>
          e.variants.map((v) => ({
            variantId: v.id,
            productId: v.productId,
            quantity: e.stock.get(v.id) ?? 0,
          })),
        ),
      ),
    ]);
    items += toWrite.length;
    written += batch.length;
    batch = [];
  };
  for (const entry of generateCatalog({ products: options.products, seed: options.seed })) {
    counts.set(entry.product.categorySlug, (counts.get(entry.product.categorySlug) ?? 0) + 1);
    batch.push(entry);
    if (batch.length === 250) {
      await flush();
      options.logger?.info('seeding catalog', { products: written });
    }
  }
  await flush();

  await writeItems(db, [
    ...seedCategories(counts).map(categoryItem),
    { ...toKey(key.counts()), products: { N: String(options.products) } },
  ]);
  await db.client.send(
    new PutItemCommand({
      TableName: db.name,
      Item: {
        ...toKey(key.seed()),
        products: { N: String(options.products) },
        seed: { N: String(options.seed ?? 0) },
        at: { S: new Date().toISOString() },
      },
    }),
  );
  return { applied: true, products: options.products, items, ms: Date.now() - started };
}
