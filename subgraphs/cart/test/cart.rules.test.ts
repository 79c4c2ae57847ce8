/** The cart's pure rules: adding, updating, removing, merging and checking out lines. */
import type { Viewer } from '../../../common/identity';
import {
  addLines,
  canUse,
  checkLinesToAdd,
  checkOut,
  groupByVariant,
  mergeLines,
  removeLines,
  updateLines,
} from '../src/cart.rules';
import { MAX_LINE_QUANTITY, type Cart, type CartLine } from '../src/domain';

const at = '2026-11-01T00:00:00.000Z';

function cart(lines: Pick<CartLine, 'variantId' | 'quantity'>[], over: Partial<Cart> = {}): Cart {
  return {
    id: 'c'.repeat(24),
    version: 3,
    ownerSub: null,
    lines: lines.map((l, i) => ({ id: `line-${i}`, addedAt: at, ...l })),
    createdAt: at,
    updatedAt: at,
    expiresAt: at,
    remindedAt: null,
    reminderClaimedUntil: null,
    mergingInto: null,
    absorbed: [],
    checkedOutOrders: [],
    ...over,
  };
}

const stock = (entries: Record<string, number>) => new Map(Object.entries(entries));
const quantities = (lines: readonly CartLine[] | undefined) =>
  (lines ?? []).map((l) => [l.variantId, l.quantity]);

describe('adding lines', () => {
  it('raises the quantity of a variant already in the cart, and sums repeated inputs', () => {
    const grouped = groupByVariant([
      { variantId: 'a', quantity: 1 },
      { variantId: 'b', quantity: 2 },
      { variantId: 'a', quantity: 3 },
    ]);
    const outcome = addLines(
      cart([{ variantId: 'a', quantity: 1 }]),
      grouped,
      stock({ a: 10, b: 10 }),
      ['lines'],
      at,
    );
    expect(outcome.userErrors).toEqual([]);
    expect(quantities(outcome.changes?.lines)).toEqual([
      ['a', 5],
      ['b', 2],
    ]);
  });

  it('caps the quantity at the stock on hand and says so, pointing at the first input line', () => {
    const grouped = groupByVariant([
      { variantId: 'b', quantity: 1 },
      { variantId: 'a', quantity: 4 },
    ]);
    const outcome = addLines(
      cart([{ variantId: 'a', quantity: 2 }]),
      grouped,
      stock({ a: 3, b: 5 }),
      ['lines'],
      at,
    );
    expect(quantities(outcome.changes?.lines)).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    expect(outcome.userErrors).toEqual([
      {
        code: 'INSUFFICIENT_STOCK',
        field: ['lines', '1', 'quantity'],
        message: 'Only 3 of this variant can be bought now; the cart holds 3.',
      },
    ]);
  });

  it('leaves out a variant that is sold out', () => {
    const outcome = addLines(
      cart([]),
      groupByVariant([{ variantId: 'a', quantity: 2 }]),
      stock({ a: 0 }),
      ['lines'],
      at,
    );
    expect(outcome.changes).toBeNull();
    expect(outcome.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_STOCK']);
    expect(outcome.userErrors[0].message).toBe(
      'This variant is out of stock, so none is in the cart.',
    );
  });

  it('refuses a line that would hold more than the most a line may, and changes nothing', () => {
    const outcome = addLines(
      cart([{ variantId: 'a', quantity: MAX_LINE_QUANTITY - 1 }]),
      groupByVariant([{ variantId: 'a', quantity: 2 }]),
      stock({ a: 5_000 }),
      ['lines'],
      at,
    );
    expect(outcome.changes).toBeNull();
    expect(outcome.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_QUANTITY', ['lines', '0', 'quantity']],
    ]);
  });

  it('checks each quantity is a whole number of at least one', () => {
    const problems = checkLinesToAdd(
      [
        { variantId: 'a', quantity: 1 },
        { variantId: 'b', quantity: 0 },
        { variantId: 'c', quantity: 1.5 },
      ],
      ['input', 'lines'],
    );
    expect(problems.map((p) => p.field)).toEqual([
      ['input', 'lines', '1', 'quantity'],
      ['input', 'lines', '2', 'quantity'],
    ]);
  });
});

describe('updating lines', () => {
  const current = cart([
    { variantId: 'a', quantity: 2 },
    { variantId: 'b', quantity: 5 },
  ]);

  it('caps a raised quantity at the stock, but never a lowered one', () => {
    const outcome = updateLines(
      current,
      [
        { id: 'line-0', quantity: 9 },
        { id: 'line-1', quantity: 4 },
      ],
      stock({ a: 6, b: 1 }),
    );
    expect(quantities(outcome.changes?.lines)).toEqual([
      ['a', 6],
      ['b', 4],
    ]);
    expect(outcome.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INSUFFICIENT_STOCK', ['lines', '0', 'quantity']],
    ]);
  });

  it('removes a line set to 0, and reports nothing to write when nothing changes', () => {
    expect(
      quantities(updateLines(current, [{ id: 'line-0', quantity: 0 }], stock({})).changes?.lines),
    ).toEqual([['b', 5]]);
    expect(updateLines(current, [{ id: 'line-1', quantity: 5 }], stock({})).changes).toBeNull();
  });

  it('names a line the cart does not have, and changes nothing', () => {
    const outcome = updateLines(current, [{ id: 'nope', quantity: 1 }], stock({}));
    expect(outcome.changes).toBeNull();
    expect(outcome.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['LINE_NOT_FOUND', ['lines', '0', 'id']],
    ]);
  });
});

describe('removing lines', () => {
  it('removes the lines named, or none when one of them is unknown', () => {
    const current = cart([
      { variantId: 'a', quantity: 2 },
      { variantId: 'b', quantity: 5 },
    ]);
    expect(quantities(removeLines(current, ['line-0']).changes?.lines)).toEqual([['b', 5]]);
    const outcome = removeLines(current, ['line-0', 'gone']);
    expect(outcome.changes).toBeNull();
    expect(outcome.userErrors.map((e) => e.field)).toEqual([['lineIds', '1']]);
  });
});

describe('merging a guest cart', () => {
  const guest = cart(
    [
      { variantId: 'a', quantity: 3 },
      { variantId: 'c', quantity: 1 },
    ],
    { id: 'g'.repeat(24) },
  );

  it('adds quantities of the same variant, caps them by stock, and remembers the guest cart', () => {
    const own = cart([{ variantId: 'a', quantity: 2 }], { ownerSub: 'sub-1' });
    const outcome = mergeLines(own, guest, stock({ a: 4, c: 9 }));
    expect(quantities(outcome.changes?.lines)).toEqual([
      ['a', 4],
      ['c', 1],
    ]);
    expect(outcome.changes?.absorbed).toEqual([guest.id]);
    expect(outcome.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_STOCK']);
  });

  it('adds a guest cart once, whatever the retries', () => {
    const own = cart([{ variantId: 'a', quantity: 4 }], {
      ownerSub: 'sub-1',
      absorbed: [guest.id],
    });
    expect(mergeLines(own, guest, stock({ a: 99, c: 99 }))).toEqual({
      changes: null,
      userErrors: [],
    });
  });

  it('caps a merged line at the most a line may hold', () => {
    const own = cart([{ variantId: 'a', quantity: MAX_LINE_QUANTITY }], { ownerSub: 'sub-1' });
    const outcome = mergeLines(own, guest, stock({ a: 5_000, c: 9 }));
    expect(quantities(outcome.changes?.lines)).toEqual([
      ['a', MAX_LINE_QUANTITY],
      ['c', 1],
    ]);
  });
});

describe('checking out', () => {
  it('empties the cart once per order', () => {
    const outcome = checkOut(cart([{ variantId: 'a', quantity: 2 }]), 'order-1');
    expect(outcome.changes).toEqual({ lines: [], checkedOutOrders: ['order-1'] });
    expect(checkOut(cart([], { checkedOutOrders: ['order-1'] }), 'order-1').changes).toBeNull();
  });
});

describe('who may use a cart', () => {
  const shopper = (sub: string): Viewer => ({
    kind: 'user',
    sub,
    username: sub,
    groups: [],
    isAdmin: false,
    accessToken: 'token',
  });

  it('opens a guest cart to whoever holds its id, a shopper cart to its owner only', () => {
    expect(canUse({ kind: 'anonymous' }, cart([]))).toBe(true);
    expect(canUse(shopper('a'), cart([], { ownerSub: 'a' }))).toBe(true);
    expect(canUse(shopper('b'), cart([], { ownerSub: 'a' }))).toBe(false);
    expect(canUse({ kind: 'anonymous' }, cart([], { ownerSub: 'a' }))).toBe(false);
  });

  it('closes a guest cart being merged into a shopper cart', () => {
    expect(canUse({ kind: 'anonymous' }, cart([], { mergingInto: 'a' }))).toBe(false);
  });
});
