import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../embedded/dynamodb';
import { openDynaliteStore } from '../embedded/dynamodb-store';
import { startDynamoProcess } from '../embedded/dynamodb-process';
import { generateCatalog } from '../seed/generate';
import { apiWriter, itemsOf, storeWriter } from '../seed/write';
import { ensureTable, tableDefinition } from '../../subgraphs/product/src/catalog.table';

type Item = Record<string, AttributeValue>;

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'dynalite-store-'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/** Every item of the table, and of each of its indexes, as the DynamoDB API returns them. */
async function contents(db: DynamoDBClient, table: string): Promise<Record<string, Item[]>> {
  const scan = async (IndexName?: string) => {
    const items: Item[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({ TableName: table, IndexName, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    // ensureTable's own record (when each table was created) differs; the rest must not.
    return items
      .filter((item) => item.pk?.S !== 'META')
      .map((item) => JSON.stringify(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))))
      .sort()
      .map((text) => Object.fromEntries(JSON.parse(text) as [string, AttributeValue][]));
  };
  const indexes = (tableDefinition(table).GlobalSecondaryIndexes ?? []).map((i) => i.IndexName);
  const result: Record<string, Item[]> = { table: await scan() };
  for (const index of indexes) if (index) result[index] = await scan(index);
  return result;
}

/** The indexes' sort keys: changing one moves an item's entry in that index. */
const rangeAttributes = (tableDefinition('catalog').GlobalSecondaryIndexes ?? [])
  .flatMap((index) => index.KeySchema ?? [])
  .filter((k) => k.KeyType === 'RANGE')
  .map((k) => k.AttributeName ?? '');

const products = (count: number, seed = 7) =>
  [...generateCatalog({ products: count, seed })].flatMap(itemsOf);

async function catalogStore(name: string): Promise<EmbeddedDynamo & { db: DynamoDBClient }> {
  const dynamo = await startEmbeddedDynamo({ port: 0, path: join(base, name) });
  const db = client(dynamo.endpoint);
  await ensureTable({ client: db, name: 'catalog' });
  return Object.assign(dynamo, { db });
}

describe('writing straight into the embedded DynamoDB store', () => {
  it('leaves the table and every index as the same writes through the API do', async () => {
    const viaApi = await catalogStore('api');
    const direct = await catalogStore('direct');
    try {
      const first = products(12);
      // A second seed that replaces some of the same keys with other values: the replaced
      // items' old index entries must go, as they do through PutItem.
      const moved = first
        .filter((item) => rangeAttributes.some((a) => item[a]?.S !== undefined))
        .slice(0, 5)
        .map((item) => {
          const copy = { ...item };
          for (const a of rangeAttributes)
            if (copy[a]?.S !== undefined) copy[a] = { S: `${copy[a].S}-moved` };
          return copy;
        });
      expect(moved).toHaveLength(5);
      const second = products(8, 99).concat(moved);
      await apiWriter({ client: viaApi.db, name: 'catalog' }).put(first);
      await apiWriter({ client: viaApi.db, name: 'catalog' }).put(second);
      await direct.offline(async () => {
        const store = await openDynaliteStore(direct.path ?? '');
        try {
          await storeWriter(store, 'catalog').put(first);
          await storeWriter(store, 'catalog').put(second);
        } finally {
          await store.close();
        }
      });
      const expected = await contents(viaApi.db, 'catalog');
      expect(expected.table.length).toBeGreaterThan(100);
      expect(await contents(direct.db, 'catalog')).toEqual(expected);
      // And it serves again on the same endpoint.
      const one = second[0];
      const got = await direct.db.send(
        new GetItemCommand({ TableName: 'catalog', Key: { pk: one.pk, sk: one.sk } }),
      );
      expect(got.Item).toEqual(one);
    } finally {
      viaApi.db.destroy();
      direct.db.destroy();
      await viaApi.stop();
      await direct.stop();
    }
  });

  it('refuses a store a server has open', async () => {
    const running = await catalogStore('busy');
    try {
      await expect(openDynaliteStore(running.path ?? '')).rejects.toThrow();
    } finally {
      running.db.destroy();
      await running.stop();
    }
  });
});

describe('the embedded DynamoDB in a process of its own', () => {
  it('counts the requests it serves by operation and goes offline on request', async () => {
    const dynamo = await startDynamoProcess({ port: 0, path: join(base, 'process') });
    const db = client(dynamo.endpoint);
    try {
      expect(dynamo.pid).toBeGreaterThan(0);
      await ensureTable({ client: db, name: 'catalog' });
      const before = await dynamo.counts();
      const items = products(3);
      await apiWriter({ client: db, name: 'catalog' }).put(items);
      await db.send(
        new GetItemCommand({ TableName: 'catalog', Key: { pk: items[0].pk, sk: items[0].sk } }),
      );
      const after = await dynamo.counts();
      expect((after.BatchWriteItem ?? 0) - (before.BatchWriteItem ?? 0)).toBe(
        Math.ceil(items.length / 25),
      );
      expect((after.GetItem ?? 0) - (before.GetItem ?? 0)).toBe(1);
      const seen = await dynamo.offline(async () => {
        const store = await openDynaliteStore(dynamo.path ?? '');
        try {
          return await store.getItem('catalog', { pk: items[0].pk, sk: items[0].sk });
        } finally {
          await store.close();
        }
      });
      expect(seen).toEqual(items[0]);
      const again = await db.send(
        new GetItemCommand({ TableName: 'catalog', Key: { pk: items[1].pk, sk: items[1].sk } }),
      );
      expect(again.Item).toEqual(items[1]);
    } finally {
      db.destroy();
      await dynamo.stop();
    }
  });
});
