/**
 * A search index of its own for a test file: a fresh PostgreSQL schema in the test database,
 * filled with the demo catalog (the same generator the product service seeds from), with stock
 * as the seed sets it. Documents are written through the indexer's own repository functions.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../../common/postgres';
import { generateCatalog } from '../../product/src/seed/generate';
import { categories } from '../../product/src/seed/catalog-data';
import type { CatalogDocument } from '../src/domain';
import { upsertDocuments } from '../src/index.repository';
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

/** A fresh index schema holding the first `products` products of the demo catalog. */
export async function createTestIndex(products: number): Promise<TestIndex> {
  const schema = `search_test_${process.pid}_${counter++}`;
  const pool = createSearchPool(testDatabaseUrl(), schema, 6);
  await migrateSearchDatabase(pool, schema);
  const documents = catalogDocuments(products);
  for (let start = 0; start < documents.length; start += 500) {
    const batch = documents.slice(start, start + 500);
    await inTransaction(pool, (tx) =>
      upsertDocuments(tx, batch, new Map(batch.map((d) => [d.id, d.inStock]))),
    );
  }
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
