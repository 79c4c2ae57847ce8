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
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { rowReader, type Item, type Row } from '../../../common/dynamo';
import type { Cart, CartLine } from './domain';

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

// ---- items -----------------------------------------------------------------------------------

/** The stored shape of a cart; absent attributes are left out, never stored as NULL. */
export interface CartItem {
  pk: string;
  type: 'cart';
  id: string;
  version: number;
  ownerSub?: string;
  lines: { id: string; variantId: string; quantity: number; addedAt: string }[];
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  /** Epoch seconds: the DynamoDB TTL attribute. */
  ttl: number;
  remindedAt?: string;
  reminderClaimedUntil?: string;
  reminderShard?: string;
  mergingInto?: string;
  absorbed?: string[];
  checkedOutOrders?: string[];
}

const put = (value: object): Item =>
  marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
const nonEmpty = (values: string[]) => (values.length > 0 ? values : undefined);

export function cartItem(cart: Cart): Item {
  const item: CartItem = {
    ...key.cart(cart.id),
    type: 'cart',
    id: cart.id,
    version: cart.version,
    ownerSub: orUndefined(cart.ownerSub),
    lines: cart.lines.map((l) => ({
      id: l.id,
      variantId: l.variantId,
      quantity: l.quantity,
      addedAt: l.addedAt,
    })),
    createdAt: cart.createdAt,
    updatedAt: cart.updatedAt,
    expiresAt: cart.expiresAt,
    ttl: Math.floor(Date.parse(cart.expiresAt) / 1000),
    remindedAt: orUndefined(cart.remindedAt),
    reminderClaimedUntil: orUndefined(cart.reminderClaimedUntil),
    reminderShard: isDueForReminder(cart) ? reminderShardOf(cart.id) : undefined,
    mergingInto: orUndefined(cart.mergingInto),
    absorbed: nonEmpty(cart.absorbed),
    checkedOutOrders: nonEmpty(cart.checkedOutOrders),
  };
  return put(item);
}

export function ownerItem(sub: string, cartId: string): Item {
  return put({ ...key.owner(sub), type: 'owner', sub, cartId });
}

// ---- rows -> domain --------------------------------------------------------------------------

const { str, optionalStr, num, strings } = rowReader('cart item');

function rowToLine(row: Row): CartLine {
  return {
    id: str(row, 'id'),
    variantId: str(row, 'variantId'),
    quantity: num(row, 'quantity'),
    addedAt: str(row, 'addedAt'),
  };
}

export function rowToCart(row: Row): Cart {
  const lines = Array.isArray(row.lines)
    ? (row.lines.filter((l) => typeof l === 'object' && l !== null) as Row[])
    : [];
  return {
    id: str(row, 'id'),
    version: num(row, 'version'),
    ownerSub: optionalStr(row, 'ownerSub'),
    lines: lines.map(rowToLine),
    createdAt: str(row, 'createdAt'),
    updatedAt: str(row, 'updatedAt'),
    expiresAt: str(row, 'expiresAt'),
    remindedAt: optionalStr(row, 'remindedAt'),
    reminderClaimedUntil: optionalStr(row, 'reminderClaimedUntil'),
    mergingInto: optionalStr(row, 'mergingInto'),
    absorbed: strings(row.absorbed),
    checkedOutOrders: strings(row.checkedOutOrders),
  };
}

/** The epoch-seconds `ttl` stored with a row; the cart is gone once it has passed. */
export function rowTtl(row: Row): number {
  return num(row, 'ttl');
}
