/** A catalog table of a test's own: the demo categories, no products, a zero product count. */
import { categoryItem } from '../../subgraphs/product/src/catalog.items';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { writeItems } from '../../subgraphs/product/src/catalog.repository';
import { seedCategories } from '../../dev/seed/generate';
import { key, toKey, ensureTable } from '../../subgraphs/product/src/catalog.table';

export async function createEmptyCatalog(client: DynamoDBClient, name: string): Promise<void> {
  const table = { client, name };
  await ensureTable(table);
  await writeItems(table, [
    ...seedCategories(new Map()).map(categoryItem),
    { ...toKey(key.counts()), products: { N: '0' } },
  ]);
}
