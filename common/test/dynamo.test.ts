/** Batch reads against the DynamoDB-compatible server: split at 100 keys, leftovers retried. */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { batchGetAll, batchWriteAll, createDynamoClient } from '../dynamo';

const table = `batch-test-${Date.now()}`;
let client: DynamoDBClient;
const sent: number[] = [];

beforeAll(async () => {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run through jest');
  client = createDynamoClient({ endpoint, region: 'us-east-1' });
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  await batchWriteAll(
    client,
    table,
    Array.from({ length: 250 }, (_, i) => ({
      PutRequest: { Item: { id: { S: `k${i}` }, n: { N: String(i) } } },
    })),
  );
  // Records the number of keys in every BatchGetItem request that goes out.
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[] }> };
      if (input.RequestItems) sent.push(input.RequestItems[table]?.Keys?.length ?? 0);
      return next(args);
    },
    { step: 'initialize', name: 'keyCounter' },
  );
});
afterAll(() => client.destroy());
beforeEach(() => (sent.length = 0));

describe('batchGetAll', () => {
  it('splits 250 keys into requests of at most 100 and returns every item', async () => {
    const keys = Array.from({ length: 250 }, (_, i) => ({ id: { S: `k${i}` } }));
    const items = await batchGetAll(client, table, keys);
    expect(items).toHaveLength(250);
    expect([...sent].sort((a, b) => b - a)).toEqual([100, 100, 50]);
  });

  it('retries the keys DynamoDB leaves unprocessed until none are left', async () => {
    // Throttling as DynamoDB does it: the first answer processes only part of the batch.
    let throttled = false;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as {
          Responses?: Record<string, unknown[]>;
          UnprocessedKeys?: Record<string, { Keys: unknown[] }>;
        };
        const input = args.input as { RequestItems: Record<string, { Keys: unknown[] }> };
        if (!throttled && output.Responses?.[table]) {
          throttled = true;
          const kept = output.Responses[table].slice(0, 3) as { id: { S: string } }[];
          const keptIds = new Set(kept.map((item) => item.id.S));
          output.Responses[table] = kept;
          output.UnprocessedKeys = {
            [table]: {
              Keys: (input.RequestItems[table].Keys as { id: { S: string } }[]).filter(
                (k) => !keptIds.has(k.id.S),
              ),
            },
          };
        }
        return result;
      },
      { step: 'initialize', name: 'throttle', priority: 'high' },
    );
    try {
      const keys = Array.from({ length: 10 }, (_, i) => ({ id: { S: `k${i}` } }));
      const items = await batchGetAll(client, table, keys);
      expect(items.map((i) => i.id?.S).sort()).toEqual(keys.map((k) => k.id.S).sort());
      expect(sent).toEqual([10, 7]);
    } finally {
      client.middlewareStack.remove('throttle');
    }
  });
});
