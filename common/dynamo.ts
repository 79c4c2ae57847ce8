/** DynamoDB access shared by the subgraphs that keep their data there: client, batches, retries. */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { measureDynamo } from './store-metrics';

export type Item = Record<string, AttributeValue>;

/** An item as plain values (unmarshalled), for a table's row mappers. */
export type Row = Record<string, unknown>;

export const rowOf = (item: Item): Row => unmarshall(item) as Row;

/**
 * Typed reads of a row's fields for a table's mappers. A required field of the wrong type is an
 * error naming the table's items (`what`): such a row was written by a bug, not by a user.
 */
export function rowReader(what: string) {
  return {
    str(row: Row, field: string): string {
      const value = row[field];
      if (typeof value !== 'string') throw new Error(`${what} field ${field} is not a string`);
      return value;
    },
    optionalStr(row: Row, field: string): string | null {
      const value = row[field];
      return typeof value === 'string' ? value : null;
    },
    num(row: Row, field: string): number {
      const value = row[field];
      if (typeof value !== 'number') throw new Error(`${what} field ${field} is not a number`);
      return value;
    },
    /** The objects of a list field; anything else in it is left out. */
    list(row: Row, field: string): Row[] {
      const value = row[field];
      return Array.isArray(value)
        ? value.filter((v): v is Row => typeof v === 'object' && v !== null)
        : [];
    },
    /** The strings of a list value; anything else in it is left out. */
    strings(value: unknown): string[] {
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    },
  };
}

export interface DynamoSettings {
  /** Unset: the AWS endpoint for the region. Set: DynamoDB Local, dynalite, or a VPC endpoint. */
  endpoint?: string;
  region: string;
}

export function createDynamoClient(settings: DynamoSettings): DynamoDBClient {
  const client = new DynamoDBClient({
    region: settings.region,
    ...(settings.endpoint
      ? {
          endpoint: settings.endpoint,
          // Local stand-ins accept any credentials; real AWS uses the default provider chain.
          credentials: process.env.AWS_ACCESS_KEY_ID
            ? undefined
            : { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    maxAttempts: 3,
  });
  measureDynamo(client);
  return client;
}

/** BatchGetItem takes at most 100 keys a request; BatchWriteItem at most 25 requests. */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter: 0..base*2^attempt, capped. */
function backoff(attempt: number, baseMs = 25, capMs = 1_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export interface RetryPolicy {
  /** Rounds after the first one for keys or writes DynamoDB left unprocessed. */
  maxRetries: number;
}

const defaultRetry: RetryPolicy = { maxRetries: 8 };

/**
 * Fetches every key of one table, 100 keys a request (requests run in parallel), retrying the
 * UnprocessedKeys DynamoDB hands back under throttling. Returns the items found, in no order.
 */
export async function batchGetAll(
  client: DynamoDBClient,
  table: string,
  keys: readonly Item[],
  options: { consistentRead?: boolean; projection?: string; names?: Record<string, string> } = {},
  retry: RetryPolicy = defaultRetry,
): Promise<Item[]> {
  const found: Item[] = [];
  await Promise.all(
    chunk(keys, BATCH_GET_LIMIT).map(async (slice) => {
      let pending: KeysAndAttributes | undefined = {
        Keys: slice,
        ConsistentRead: options.consistentRead,
        ProjectionExpression: options.projection,
        ExpressionAttributeNames: options.names,
      };
      for (let attempt = 0; pending?.Keys?.length; attempt++) {
        if (attempt > retry.maxRetries) {
          throw new Error(`DynamoDB left ${pending.Keys.length} keys unprocessed on ${table}`);
        }
        if (attempt > 0) await sleep(backoff(attempt));
        const response: BatchGetItemCommandOutput = await client.send(
          new BatchGetItemCommand({ RequestItems: { [table]: pending } }),
        );
        found.push(...(response.Responses?.[table] ?? []));
        pending = response.UnprocessedKeys?.[table];
      }
    }),
  );
  return found;
}

/** Writes every request, 25 a request and `concurrency` requests at a time, retrying leftovers. */
export async function batchWriteAll(
  client: DynamoDBClient,
  table: string,
  requests: readonly WriteRequest[],
  options: { concurrency?: number } = {},
  retry: RetryPolicy = defaultRetry,
): Promise<void> {
  const slices = chunk(requests, BATCH_WRITE_LIMIT);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  const worker = async () => {
    while (next < slices.length) {
      let pending: WriteRequest[] | undefined = slices[next++];
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt > retry.maxRetries) {
          throw new Error(`DynamoDB left ${pending.length} writes unprocessed on ${table}`);
        }
        if (attempt > 0) await sleep(backoff(attempt));
        const response: BatchWriteItemCommandOutput = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
        );
        pending = response.UnprocessedItems?.[table];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, slices.length) }, worker));
}

/** True when the endpoint answers an authenticated request (used by readiness checks). */
export async function dynamoReachable(client: DynamoDBClient, table: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }), {
      abortSignal: AbortSignal.timeout(2_000),
    });
    return true;
  } catch {
    return false;
  }
}
