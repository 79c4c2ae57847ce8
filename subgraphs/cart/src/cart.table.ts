/**
 * The cart table. Every request-path access is a GetItem/BatchGetItem on a known key or a
 * conditional write to one; the reminder job reads one sparse index. Nothing scans.
 *
 *   pk              what
 *   CART#<id>       one cart: its lines, version, owner, timestamps, `ttl`
 *   OWNER#<sub>     the signed-in shopper's cart id (`me.cart`); written with a condition, so
 *                   a shopper has one cart whatever the concurrency
 *
 * `ttl` (epoch seconds, the table's TTL attribute) is 30 days after the last change; DynamoDB
 * deletes expired carts in the background, and reads treat an expired cart as gone until then.
 * Owner pointers have no `ttl`: one small item per shopper who ever had a cart, replaced when the
 * cart it names is gone.
 *
 * Sparse GSI `byReminderDue` (HASH `reminderShard`, RANGE `updatedAt`, keys only): only carts
 * that belong to a shopper, have lines and have not been reminded since their last change carry
 * `reminderShard` (`REMIND#0` … `REMIND#<n-1>`, spread by cart id so no partition runs hot), so
 * "carts untouched since before T that are due a reminder" is one Query per shard.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Item } from '../../../common/dynamo';
import type { Logger } from '../../../common/logger';
import type { Cart } from './domain';

export interface CartTable {
  client: DynamoDBClient;
  name: string;
}

export const REMINDER_INDEX = 'byReminderDue';
export const REMINDER_SHARDS = 4;

export const key = {
  cart: (id: string) => ({ pk: `CART#${id}` }),
  owner: (sub: string) => ({ pk: `OWNER#${sub}` }),
  reminderShard: (n: number) => `REMIND#${n}`,
};

export const toKey = (k: { pk: string }): Item => ({ pk: { S: k.pk } });

/** Which reminder shard a cart belongs to: its id is random, so any stable hash spreads them. */
export function reminderShardOf(cartId: string): string {
  let hash = 0;
  for (let i = 0; i < cartId.length; i++) hash = (hash * 31 + cartId.charCodeAt(i)) >>> 0;
  return key.reminderShard(hash % REMINDER_SHARDS);
}

/** Owned, with lines, not reminded since the last change, and not being merged away. */
export function isDueForReminder(cart: Cart): boolean {
  return (
    cart.ownerSub !== null &&
    cart.lines.length > 0 &&
    cart.remindedAt === null &&
    cart.mergingInto === null
  );
}

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'reminderShard', AttributeType: 'S' },
      { AttributeName: 'updatedAt', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: REMINDER_INDEX,
        KeySchema: [
          { AttributeName: 'reminderShard', KeyType: 'HASH' },
          { AttributeName: 'updatedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}

// ---- set-up ------------------------------------------------------------------------------------

/** Creates the table (with its index and TTL) unless it exists; waits until it is active. */
export async function ensureCartTable(
  db: CartTable,
  logger?: Logger,
): Promise<'created' | 'exists'> {
  try {
    await db.client.send(new DescribeTableCommand({ TableName: db.name }));
    return 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await db.client.send(new CreateTableCommand(tableDefinition(db.name)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 120; attempt++) {
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.name }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every(
      (i) => i.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesReady) {
      await enableTtl(db, logger);
      return 'created';
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`table ${db.name} did not become active`);
}

/** DynamoDB deletes expired carts itself once TTL is on; local stand-ins may not support it. */
async function enableTtl(db: CartTable, logger?: Logger): Promise<void> {
  try {
    await db.client.send(
      new UpdateTimeToLiveCommand({
        TableName: db.name,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
  } catch (error) {
    logger?.warn('could not enable TTL on the cart table; expired carts are hidden on read', {
      table: db.name,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
