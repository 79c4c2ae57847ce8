/**
 * The cart's pure rules: what a change does to a cart's lines, with no I/O. Adding raises the
 * quantity of a variant already in the cart; every resulting quantity is capped at the stock
 * (INSUFFICIENT_STOCK, the cart still changes) and must stay within MAX_LINE_QUANTITY
 * (INVALID_QUANTITY, nothing changes); merging a guest cart adds its lines once. The service
 * (cart.service.ts) reads, applies one of these and writes the result on condition.
 */
import { randomBytes } from 'node:crypto';
import { errors } from '../../../common/errors';
import type { Viewer } from '../../../common/identity';
import { userError, type UserError } from '../../../common/user-error';
import {
  MAX_LINES,
  MAX_LINE_QUANTITY,
  type Cart,
  type CartErrorCode,
  type CartLine,
} from './domain';

export interface LineInput {
  variantId: string;
  quantity: number;
}

export interface LineUpdateInput {
  id: string;
  quantity: number;
}

/** What a change computes from the cart it read: new contents (null: nothing to write). */
export interface Change {
  changes: Pick<Cart, 'lines'> & Partial<Pick<Cart, 'absorbed' | 'checkedOutOrders'>>;
}
export type Outcome = (Change | { changes: null }) & { userErrors: UserError<CartErrorCode>[] };

/** Quantities per variant, in input order, with the first input index of each. */
export type GroupedLines = Map<string, { quantity: number; index: number }>;

/** How many merged guest carts and checked-out orders a cart remembers, for idempotency. */
const REMEMBERED = 20;

const newLineId = () => randomBytes(9).toString('base64url');

const sameLines = (a: readonly CartLine[], b: readonly CartLine[]) =>
  a.length === b.length &&
  a.every((line, i) => line.id === b[i].id && line.quantity === b[i].quantity);

export const validQuantity = (quantity: number, min: number) =>
  Number.isInteger(quantity) && quantity >= min && quantity <= MAX_LINE_QUANTITY;

/** The viewer may see and change this cart. */
export function canUse(viewer: Viewer, cart: Cart): boolean {
  if (cart.mergingInto !== null) return false;
  if (cart.ownerSub === null) return true;
  return viewer.kind === 'user' && viewer.sub === cart.ownerSub;
}

/** Variant ids in input order, with the summed quantity and the first input index of each. */
export function groupByVariant(lines: readonly LineInput[]): GroupedLines {
  const grouped: GroupedLines = new Map();
  lines.forEach((line, index) => {
    const seen = grouped.get(line.variantId);
    if (seen) seen.quantity += line.quantity;
    else grouped.set(line.variantId, { quantity: line.quantity, index });
  });
  return grouped;
}

function capMessage(available: number, kept: number): string {
  return available === 0
    ? 'This variant is out of stock, so none is in the cart.'
    : `Only ${available} of this variant can be bought now; the cart holds ${kept}.`;
}

export function checkLinesToAdd(
  lines: readonly LineInput[],
  path: string[],
): UserError<CartErrorCode>[] {
  if (lines.length > MAX_LINES) {
    throw errors.badUserInput(`At most ${MAX_LINES} lines can be added at once.`, path[0]);
  }
  return lines.flatMap((line, i) =>
    validQuantity(line.quantity, 1)
      ? []
      : [
          userError(
            'INVALID_QUANTITY',
            `The quantity must be a whole number from 1 to ${MAX_LINE_QUANTITY}.`,
            [...path, i, 'quantity'],
          ),
        ],
  );
}

/**
 * Adds quantities per variant: each resulting line must stay within MAX_LINE_QUANTITY (else
 * INVALID_QUANTITY and nothing changes) and is capped at the stock (INSUFFICIENT_STOCK). New
 * lines are stamped `addedAt`.
 */
export function addLines(
  cart: Cart,
  grouped: GroupedLines,
  stock: ReadonlyMap<string, number>,
  path: string[],
  addedAt: string,
): Outcome {
  const tooMany = [...grouped].flatMap(([variantId, { quantity, index }]) => {
    const existing = cart.lines.find((l) => l.variantId === variantId)?.quantity ?? 0;
    return existing + quantity > MAX_LINE_QUANTITY
      ? [
          userError(
            'INVALID_QUANTITY',
            `A line holds at most ${MAX_LINE_QUANTITY} units; this would make ${existing + quantity}.`,
            [...path, index, 'quantity'],
          ),
        ]
      : [];
  });
  if (tooMany.length > 0) return { changes: null, userErrors: tooMany };

  const userErrors: UserError<CartErrorCode>[] = [];
  const lines = cart.lines.map((l) => ({ ...l }));
  for (const [variantId, { quantity, index }] of grouped) {
    const line = lines.find((l) => l.variantId === variantId);
    const wanted = (line?.quantity ?? 0) + quantity;
    const available = stock.get(variantId) ?? 0;
    const kept = Math.min(wanted, available);
    if (kept < wanted) {
      userErrors.push(
        userError('INSUFFICIENT_STOCK', capMessage(available, kept), [...path, index, 'quantity']),
      );
    }
    if (line) line.quantity = kept;
    else if (kept > 0) lines.push({ id: newLineId(), variantId, quantity: kept, addedAt });
  }
  const next = lines.filter((l) => l.quantity > 0);
  if (next.length > MAX_LINES && next.length > cart.lines.length) {
    throw errors.badUserInput(`A cart holds at most ${MAX_LINES} different variants.`, path[0]);
  }
  return sameLines(next, cart.lines)
    ? { changes: null, userErrors }
    : { changes: { lines: next }, userErrors };
}

/** Sets line quantities (0 removes the line); raising a quantity is capped at the stock. */
export function updateLines(
  cart: Cart,
  updates: readonly LineUpdateInput[],
  stock: ReadonlyMap<string, number>,
): Outcome {
  const gone = missingLines(
    cart,
    updates.map((u) => u.id),
    (i) => ['lines', i, 'id'],
  );
  if (gone.length > 0) return { changes: null, userErrors: gone };
  const userErrors: UserError<CartErrorCode>[] = [];
  const wanted = new Map<string, { quantity: number; index: number }>();
  updates.forEach((u, index) => wanted.set(u.id, { quantity: u.quantity, index }));
  const lines = cart.lines.flatMap((line) => {
    const update = wanted.get(line.id);
    if (!update) return [line];
    let quantity = update.quantity;
    const available = stock.get(line.variantId);
    if (quantity > line.quantity && available !== undefined && quantity > available) {
      quantity = Math.max(available, 0);
      userErrors.push(
        userError('INSUFFICIENT_STOCK', capMessage(available, quantity), [
          'lines',
          update.index,
          'quantity',
        ]),
      );
    }
    return quantity === 0 ? [] : [{ ...line, quantity }];
  });
  return sameLines(lines, cart.lines)
    ? { changes: null, userErrors }
    : { changes: { lines }, userErrors };
}

/** Removes lines by id; LINE_NOT_FOUND (and no change) for an id the cart does not have. */
export function removeLines(cart: Cart, lineIds: readonly string[]): Outcome {
  const gone = missingLines(cart, lineIds, (i) => ['lineIds', i]);
  if (gone.length > 0) return { changes: null, userErrors: gone };
  const removing = new Set(lineIds);
  return {
    changes: { lines: cart.lines.filter((l) => !removing.has(l.id)) },
    userErrors: [],
  };
}

/** Empties the cart for an order placed from it, once per order id. */
export function checkOut(cart: Cart, orderId: string): Outcome {
  return cart.checkedOutOrders.includes(orderId)
    ? { changes: null, userErrors: [] }
    : {
        changes: {
          lines: [],
          checkedOutOrders: [...cart.checkedOutOrders, orderId].slice(-REMEMBERED),
        },
        userErrors: [],
      };
}

/** The guest cart's lines added to the shopper's, per variant, capped by stock. */
export function mergeLines(cart: Cart, guest: Cart, stock: ReadonlyMap<string, number>): Outcome {
  if (cart.absorbed.includes(guest.id)) return { changes: null, userErrors: [] };
  const userErrors: UserError<CartErrorCode>[] = [];
  const lines = cart.lines.map((l) => ({ ...l }));
  for (const guestLine of guest.lines) {
    const line = lines.find((l) => l.variantId === guestLine.variantId);
    const wanted = (line?.quantity ?? 0) + guestLine.quantity;
    const available = stock.get(guestLine.variantId) ?? 0;
    const kept = Math.min(wanted, available, MAX_LINE_QUANTITY);
    if (kept < wanted) {
      userErrors.push(userError('INSUFFICIENT_STOCK', capMessage(available, kept), null));
    }
    if (line) line.quantity = kept;
    else if (kept > 0) lines.push({ ...guestLine, id: newLineId(), quantity: kept });
  }
  return {
    changes: {
      lines: lines.filter((l) => l.quantity > 0),
      absorbed: [...cart.absorbed, guest.id].slice(-REMEMBERED),
    },
    userErrors,
  };
}

export function missingLines(
  cart: Cart,
  lineIds: readonly string[],
  field: (index: number) => (string | number)[],
): UserError<CartErrorCode>[] {
  const present = new Set(cart.lines.map((l) => l.id));
  return lineIds.flatMap((id, i) =>
    present.has(id)
      ? []
      : [userError('LINE_NOT_FOUND', 'This cart has no line with this id.', field(i))],
  );
}
