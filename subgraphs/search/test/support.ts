/**
 * A search index of its own for a test file: a fresh PostgreSQL schema in the test database,
 * filled with the demo catalog (the same generator the product service seeds from), with stock
 * as the seed sets it. Documents are written through the indexer's own repository functions.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { inTransaction } from '../../../common/postgres';
import { generateCatalog } from '../../product/src/seed/generate';
import { categories } from '../../product/src/seed/catalog-data';
import type { CatalogDocument } from '../src/domain';
import { saveFeedPosition, upsertDocuments } from '../src/index.repository';
import { CATALOG_FEED } from '../src/indexer';
import { createSearchPool, migrateSearchDatabase } from '../src/server';
import { testDatabaseUrl } from '../../../test/services';

export interface TestIndex {
  pool: Pool;
  schema: string;
  /** The indexed documents, in generation order, with their stock flag. */
  documents: (CatalogDocument & { inStock: boolean })[];
  drop(): Promise<void>;
}

let counter = 0;

export function catalogDocuments(products: number): (CatalogDocument & { inStock: boolean })[] {
  const names = new Map(categories.map((c) => [c.slug, c.name]));
  const documents: (CatalogDocument & { inStock: boolean })[] = [];
  for (const { product, stock } of generateCatalog({ products })) {
    documents.push({
      id: product.id,
      slug: product.slug,
      title: product.title,
      description: product.description,
      brand: product.brand,
      categorySlug: product.categorySlug,
      categoryName: names.get(product.categorySlug) ?? product.categorySlug,
      minPrice: product.minPrice,
      maxPrice: product.maxPrice,
      currencyCode: product.currencyCode,
      createdAt: product.createdAt,
      updatedAt: product.updatedAt,
      position: `${product.updatedAt}#${product.id}`,
      inStock: [...stock.values()].some((units) => units > 0),
    });
  }
  return documents;
}

/**
 * Writes the first `products` products of the demo catalog into the index behind `pool`, and
 * sets the feed position after them, as if the indexer had read the seeded catalog's feed.
 */
export async function fillIndex(pool: Pool, products: number) {
  const documents = catalogDocuments(products);
  for (let start = 0; start < documents.length; start += 500) {
    const batch = documents.slice(start, start + 500);
    await inTransaction(pool, (tx) =>
      upsertDocuments(tx, batch, new Map(batch.map((d) => [d.id, d.inStock]))),
    );
  }
  const last = documents
    .map((d) => d.position)
    .sort()
    .pop();
  if (last) await saveFeedPosition(pool, CATALOG_FEED, last);
  return documents;
}

/** A fresh index schema holding the first `products` products of the demo catalog. */
export async function createTestIndex(products: number): Promise<TestIndex> {
  const schema = `search_test_${process.pid}_${counter++}_${randomBytes(3).toString('hex')}`;
  const pool = createSearchPool(testDatabaseUrl(), schema, 6);
  await migrateSearchDatabase(pool, schema);
  const documents = await fillIndex(pool, products);
  return {
    pool,
    schema,
    documents,
    drop: async () => {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    },
  };
}
