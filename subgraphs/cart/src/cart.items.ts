/**
 * The cart table's items: built from carts for writing, and read back into them. Keys and the
 * index are in cart.table.ts.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { rowReader, type Item, type Row } from '../../../common/dynamo';
import type { Cart, CartLine } from './domain';
import { isDueForReminder, key, reminderShardOf } from './cart.table';

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
