/**
 * A search index of its own for a test file: a fresh PostgreSQL schema in the test database,
 * filled with the demo catalog (the same generator the product service seeds from), with stock
 * as the seed sets it. Documents are written through the indexer's own repository functions.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { demoDocuments, indexDocuments, type DemoDocument } from '../../../dev/seed/search-index';
import { createSearchPool, migrateSearchDatabase } from '../src/server';
import { testDatabaseUrl } from '../../../test/support/services';

export interface TestIndex {
  pool: Pool;
  schema: string;
  /** The indexed documents, in generation order, with their stock flag. */
  documents: DemoDocument[];
  drop(): Promise<void>;
}

let counter = 0;

/** The first `products` products of the demo catalog as search documents. */
export const catalogDocuments = (products: number): DemoDocument[] => [...demoDocuments(products)];

/** A fresh index schema holding the first `products` products of the demo catalog. */
export async function createTestIndex(products: number): Promise<TestIndex> {
  const schema = `search_test_${process.pid}_${counter++}_${randomBytes(3).toString('hex')}`;
  const pool = createSearchPool(testDatabaseUrl(), schema, 6);
  await migrateSearchDatabase(pool, schema);
  const documents = catalogDocuments(products);
  await indexDocuments(pool, documents);
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
