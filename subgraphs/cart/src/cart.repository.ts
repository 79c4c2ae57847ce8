/**
 * Cart data access: every function takes the table handle. Writes are conditional (on the
 * version read, or on the item not existing) and report a lost race instead of overwriting.
 * Reads are strongly consistent, so a shopper sees their own change on the next request, and
 * treat a cart past its `ttl` as absent (DynamoDB's TTL deletion runs in the background, and
 * the local stand-in has none).
 */
import { cartItem, ownerItem, rowToCart, rowTtl } from './cart.items';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { batchGetAll, rowOf, type Item } from '../../../common/dynamo';
import type { Cart } from './domain';
import { REMINDER_INDEX, key, toKey, type CartTable } from './cart.table';

/** Another writer changed the item between our read and our write. */
export class WriteConflict extends Error {
  constructor(what: string) {
    super(`concurrent change to ${what}`);
    this.name = 'WriteConflict';
  }
}

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

function liveCart(item: Item | undefined, now: Date): Cart | null {
  if (!item) return null;
  const row = rowOf(item);
  if (row.type !== 'cart' || rowTtl(row) <= epochSeconds(now)) return null;
  return rowToCart(row);
}

/** One cart, strongly consistent; null when there is none or it has expired. */
export async function getCart(db: CartTable, id: string, now: Date): Promise<Cart | null> {
  const { Item: item } = await db.client.send(
    new GetItemCommand({ TableName: db.name, Key: toKey(key.cart(id)), ConsistentRead: true }),
  );
  return liveCart(item, now);
}

/** Carts by id (100 keys a request), strongly consistent; expired and missing ones left out. */
export async function getCarts(
  db: CartTable,
  ids: readonly string[],
  now: Date,
): Promise<Map<string, Cart>> {
  const items = await batchGetAll(
    db.client,
    db.name,
    ids.map((id) => toKey(key.cart(id))),
    {
      consistentRead: true,
    },
  );
  const carts = new Map<string, Cart>();
  for (const item of items) {
    const cart = liveCart(item, now);
    if (cart) carts.set(cart.id, cart);
  }
  return carts;
}

/**
 * Writes a cart whole. `expectedVersion` null: only if no cart has this id. Otherwise only if
 * the stored cart still has that version. Throws WriteConflict when the condition fails.
 */
export async function putCart(
  db: CartTable,
  cart: Cart,
  expectedVersion: number | null,
): Promise<void> {
  try {
    await db.client.send(
      new PutItemCommand({
        TableName: db.name,
        Item: cartItem(cart),
        ...(expectedVersion === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
            }),
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new WriteConflict(`cart ${cart.id}`);
    throw error;
  }
}

export async function deleteCart(db: CartTable, id: string): Promise<void> {
  await db.client.send(new DeleteItemCommand({ TableName: db.name, Key: toKey(key.cart(id)) }));
}

/** The cart ids the owner pointers of these shoppers name (the carts may be gone). */
export async function getOwnerCartIds(
  db: CartTable,
  subs: readonly string[],
): Promise<Map<string, string>> {
  const items = await batchGetAll(
    db.client,
    db.name,
    subs.map((sub) => toKey(key.owner(sub))),
    {
      consistentRead: true,
    },
  );
  const found = new Map<string, string>();
  for (const item of items) {
    const row = rowOf(item);
    if (typeof row.sub === 'string' && typeof row.cartId === 'string') {
      found.set(row.sub, row.cartId);
    }
  }
  return found;
}

/**
 * Points a shopper at a cart, only if the pointer is missing (`replacing` null) or still names
 * `replacing` (a cart that is gone). False when another request got there first.
 */
export async function putOwnerCartId(
  db: CartTable,
  sub: string,
  cartId: string,
  replacing: string | null,
): Promise<boolean> {
  try {
    await db.client.send(
      new PutItemCommand({
        TableName: db.name,
        Item: ownerItem(sub, cartId),
        ...(replacing === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'attribute_not_exists(pk) OR cartId = :old',
              ExpressionAttributeValues: { ':old': { S: replacing } },
            }),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

// ---- the reminder index ------------------------------------------------------------------------

/**
 * Ids of carts in one reminder shard whose last change is before `before` (ISO 8601), oldest
 * first. The index is eventually consistent: callers re-read each cart before acting on it.
 */
export async function queryReminderDue(
  db: CartTable,
  shard: string,
  before: string,
  limit: number,
): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, Item[string]> | undefined;
  do {
    const page = await db.client.send(
      new QueryCommand({
        TableName: db.name,
        IndexName: REMINDER_INDEX,
        KeyConditionExpression: 'reminderShard = :shard AND updatedAt < :before',
        ExpressionAttributeValues: { ':shard': { S: shard }, ':before': { S: before } },
        Limit: limit - ids.length,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const pk = item.pk?.S;
      if (pk?.startsWith('CART#')) ids.push(pk.slice('CART#'.length));
    }
    start = page.LastEvaluatedKey;
  } while (start && ids.length < limit);
  return ids;
}

/**
 * Takes the right to send a cart's reminder until `until`: only if the cart is unchanged
 * (`version`), still due, and nobody else holds the right. False otherwise.
 */
export async function claimReminder(
  db: CartTable,
  id: string,
  version: number,
  now: Date,
  until: Date,
): Promise<boolean> {
  try {
    await db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(key.cart(id)),
        UpdateExpression: 'SET reminderClaimedUntil = :until',
        ConditionExpression:
          'version = :v AND attribute_exists(reminderShard) AND ' +
          '(attribute_not_exists(reminderClaimedUntil) OR reminderClaimedUntil < :now)',
        ExpressionAttributeValues: {
          ':v': { N: String(version) },
          ':now': { S: now.toISOString() },
          ':until': { S: until.toISOString() },
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Gives a claim back (the send failed), so the next run tries again. */
export async function releaseReminder(db: CartTable, id: string, version: number): Promise<void> {
  try {
    await db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(key.cart(id)),
        UpdateExpression: 'REMOVE reminderClaimedUntil',
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': { N: String(version) } },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Records that the reminder for this version of the cart went out, which takes the cart out of
 * the index. Not a change to the cart: `version`, `updatedAt` and `ttl` stay. False when the
 * cart changed meanwhile (it is then due again from its new `updatedAt`).
 */
export async function markReminded(
  db: CartTable,
  id: string,
  version: number,
  now: Date,
): Promise<boolean> {
  try {
    await db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(key.cart(id)),
        UpdateExpression: 'SET remindedAt = :now REMOVE reminderShard, reminderClaimedUntil',
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: {
          ':v': { N: String(version) },
          ':now': { S: now.toISOString() },
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Takes an expired cart out of the reminder index (where DynamoDB has not deleted it yet). */
export async function dropExpiredFromReminders(db: CartTable, id: string, now: Date) {
  try {
    await db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(key.cart(id)),
        UpdateExpression: 'REMOVE reminderShard, reminderClaimedUntil',
        ConditionExpression: 'attribute_exists(pk) AND #ttl <= :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': { N: String(epochSeconds(now)) } },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
