/**
 * Cart rules. Every method takes the request context first; resolvers call exactly one method.
 *
 * Concurrency: a cart is one DynamoDB item with a `version`. A change reads the cart, computes
 * the new one and writes it on condition that the version is still the one it read; when another
 * request won the race, it reads again and recomputes, a bounded number of times. So concurrent
 * changes to one cart all land, each applied to the result of the ones before it.
 *
 * Access: a guest cart (no owner) is open to whoever holds its unguessable id; a shopper's cart
 * only to that shopper. Anyone else gets what they would get for an id that does not exist.
 */
import { userError, type UserError } from '../../../common/user-error';
import type { RequestContext } from '../../../common/context';
import { randomBytes } from 'node:crypto';
import { errors } from '../../../common/errors';
import { requireServiceOrAdmin, requireUser, type Viewer } from '../../../common/identity';
import { Money } from '../../../common/money';
import {
  MAX_LINES,
  MAX_LINE_QUANTITY,
  type Cart,
  type CartErrorCode,
  type CartLine,
  type CartResult,
  type CatalogVariant,
  type CheckoutCart,
} from './domain';
import type { CartLoaders } from './loaders';
import {
  deleteCart,
  getCart,
  getOwnerCartIds,
  putCart,
  putOwnerCartId,
  WriteConflict,
  type CartTable,
} from './cart.repository';

export interface CartSettings {
  /** A cart expires this many days after its last change (CART_TTL_DAYS). */
  ttlDays: number;
  /** The currency of an empty cart's subtotal (every variant of the store is priced in it). */
  currencyCode: string;
  /** Attempts at a write that keeps losing the race to other writers, before giving up. */
  maxWriteAttempts?: number;
}

export interface LineInput {
  variantId: string;
  quantity: number;
}

export interface LineUpdateInput {
  id: string;
  quantity: number;
}

export interface LineCost {
  amountPerQuantity: Money;
  subtotalAmount: Money;
}

/** What a change computes from the cart it read: new contents (null: nothing to write). */
interface Change {
  changes: Pick<Cart, 'lines'> & Partial<Pick<Cart, 'absorbed' | 'checkedOutOrders'>>;
}
type Outcome = (Change | { changes: null }) & { userErrors: UserError<CartErrorCode>[] };

const DAY_MS = 86_400_000;
/** How many merged guest carts and checked-out orders a cart remembers, for idempotency. */
const REMEMBERED = 20;

/** 144 random bits, base64url: 24 characters. */
export const newCartId = () => randomBytes(18).toString('base64url');
export const isCartId = (id: string) => /^[A-Za-z0-9_-]{24}$/.test(id);
const newLineId = () => randomBytes(9).toString('base64url');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cartNotFound = (): CartResult => ({
  cart: null,
  userErrors: [userError('CART_NOT_FOUND', 'There is no cart with this id.', ['cartId'])],
});

const sameLines = (a: readonly CartLine[], b: readonly CartLine[]) =>
  a.length === b.length &&
  a.every((line, i) => line.id === b[i].id && line.quantity === b[i].quantity);

const validQuantity = (quantity: number, min: number) =>
  Number.isInteger(quantity) && quantity >= min && quantity <= MAX_LINE_QUANTITY;

/** The viewer may see and change this cart. */
function canUse(viewer: Viewer, cart: Cart): boolean {
  if (cart.mergingInto !== null) return false;
  if (cart.ownerSub === null) return true;
  return viewer.kind === 'user' && viewer.sub === cart.ownerSub;
}

/** Variant ids in input order, with the summed quantity and the first input index of each. */
function groupByVariant(lines: readonly LineInput[]) {
  const grouped = new Map<string, { quantity: number; index: number }>();
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

export class CartService {
  private readonly maxWriteAttempts: number;

  constructor(
    private readonly db: CartTable,
    private readonly settings: CartSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.maxWriteAttempts = settings.maxWriteAttempts ?? 20;
  }

  // ---- reads --------------------------------------------------------------------------------

  /** A cart by id; null when there is none, it expired, or it belongs to another shopper. */
  async cart(ctx: RequestContext<CartLoaders>, id: string): Promise<Cart | null> {
    if (!isCartId(id)) return null;
    const cart = await ctx.loaders.cart.load(id);
    return cart && canUse(ctx.identity.viewer, cart) ? cart : null;
  }

  /** A User entity another subgraph references; loads its cart pointer when it is the viewer. */
  async userReference(ctx: RequestContext<CartLoaders>, id: string): Promise<{ id: string }> {
    if (ctx.identity.viewer.kind === 'user' && ctx.identity.viewer.sub === id) {
      await ctx.loaders.ownerCartId.load(id);
    }
    return { id };
  }

  /** The shopper's own cart (`me.cart`): null when they have none, or they are not the viewer. */
  async userCart(ctx: RequestContext<CartLoaders>, userId: string): Promise<Cart | null> {
    if (ctx.identity.viewer.kind !== 'user' || ctx.identity.viewer.sub !== userId) return null;
    const cartId = await ctx.loaders.ownerCartId.load(userId);
    if (!cartId) return null;
    const cart = await ctx.loaders.cart.load(cartId);
    return cart && cart.ownerSub === userId ? cart : null;
  }

  /**
   * The lines a shopper sees: those whose variant the catalog still has. A line whose variant
   * is gone stays stored (it is dropped from view, from totals and from costs). When the catalog
   * cannot be asked, every line shows (their costs then fail on their own).
   */
  async lines(ctx: RequestContext<CartLoaders>, cart: Cart): Promise<CartLine[]> {
    const variants = await ctx.loaders.variant.loadMany(cart.lines.map((l) => l.variantId));
    return cart.lines.filter((_, i) => variants[i] !== null);
  }

  async totalQuantity(ctx: RequestContext<CartLoaders>, cart: Cart): Promise<number> {
    const lines = await this.lines(ctx, cart);
    return lines.reduce((sum, line) => sum + line.quantity, 0);
  }

  /** Cost of a line at the variant's current price; null when the variant is gone. */
  async lineCost(ctx: RequestContext<CartLoaders>, line: CartLine): Promise<LineCost | null> {
    const [variant] = await this.variants(ctx, [line.variantId]);
    if (!variant) return null;
    return {
      amountPerQuantity: Money.of(variant.price, variant.currencyCode),
      subtotalAmount: Money.of(variant.price * line.quantity, variant.currencyCode),
    };
  }

  /** Sum of the visible lines at current prices; null when they are in different currencies. */
  async subtotal(ctx: RequestContext<CartLoaders>, cart: Cart): Promise<Money | null> {
    const lines = await this.lines(ctx, cart);
    const variants = await this.variants(
      ctx,
      lines.map((l) => l.variantId),
    );
    let total = 0;
    let currency: string | null = null;
    for (const [i, line] of lines.entries()) {
      const variant = variants[i];
      if (!variant) continue;
      if (currency !== null && currency !== variant.currencyCode) return null;
      currency = variant.currencyCode;
      total += variant.price * line.quantity;
    }
    return Money.of(total, currency ?? this.settings.currencyCode);
  }

  // ---- mutations ----------------------------------------------------------------------------

  /**
   * A new cart, with `lines` in it. A guest gets a new guest cart. A signed-in shopper has one
   * cart: the lines go into it, and it is created when they have none yet.
   */
  async cartCreate(
    ctx: RequestContext<CartLoaders>,
    lines: readonly LineInput[],
  ): Promise<CartResult> {
    const problems = this.checkLinesToAdd(lines, ['input', 'lines']);
    if (problems.length > 0) return { cart: null, userErrors: problems };
    const grouped = groupByVariant(lines);
    const unknown = await this.unknownVariants(ctx, grouped, ['input', 'lines']);
    if (unknown.length > 0) return { cart: null, userErrors: unknown };
    const stock = await this.stock(ctx, [...grouped.keys()]);
    const add = (cart: Cart) => this.addLines(cart, grouped, stock, ['input', 'lines']);

    if (ctx.identity.viewer.kind === 'user') {
      const own = await this.ownerCart(ctx.identity.viewer.sub);
      if (lines.length === 0) {
        ctx.loaders.cart.clear(own.id).prime(own.id, own);
        return { cart: own, userErrors: [] };
      }
      return this.change(ctx, own.id, own, (c) => c.ownerSub === own.ownerSub, add);
    }

    const empty = this.emptyCart(null);
    const outcome = add(empty);
    const cart: Cart = { ...empty, ...outcome.changes };
    await putCart(this.db, cart, null);
    ctx.loaders.cart.clear(cart.id).prime(cart.id, cart);
    return { cart, userErrors: outcome.userErrors };
  }

  /** Adds variants; a variant already in the cart has its line's quantity raised. */
  async cartLinesAdd(
    ctx: RequestContext<CartLoaders>,
    cartId: string,
    lines: readonly LineInput[],
  ): Promise<CartResult> {
    const current = await this.cart(ctx, cartId);
    if (!current) return cartNotFound();
    const problems = this.checkLinesToAdd(lines, ['lines']);
    if (problems.length > 0) return { cart: current, userErrors: problems };
    const grouped = groupByVariant(lines);
    const unknown = await this.unknownVariants(ctx, grouped, ['lines']);
    if (unknown.length > 0) return { cart: current, userErrors: unknown };
    const stock = await this.stock(ctx, [...grouped.keys()]);
    return this.change(
      ctx,
      cartId,
      current,
      (cart) => canUse(ctx.identity.viewer, cart),
      (cart) => this.addLines(cart, grouped, stock, ['lines']),
    );
  }

  /** Sets line quantities; 0 removes the line. Raising a quantity is capped at the stock. */
  async cartLinesUpdate(
    ctx: RequestContext<CartLoaders>,
    cartId: string,
    updates: readonly LineUpdateInput[],
  ): Promise<CartResult> {
    if (updates.length > MAX_LINES) {
      throw errors.badUserInput(`At most ${MAX_LINES} lines can be changed at once.`, 'lines');
    }
    const current = await this.cart(ctx, cartId);
    if (!current) return cartNotFound();
    const problems = updates.flatMap((u, i) =>
      validQuantity(u.quantity, 0)
        ? []
        : [
            userError(
              'INVALID_QUANTITY',
              `The quantity must be a whole number from 0 to ${MAX_LINE_QUANTITY}.`,
              ['lines', i, 'quantity'],
            ),
          ],
    );
    if (problems.length > 0) return { cart: current, userErrors: problems };
    const missing = this.missingLines(
      current,
      updates.map((u) => u.id),
      (i) => ['lines', i, 'id'],
    );
    if (missing.length > 0) return { cart: current, userErrors: missing };
    const raised = updates.flatMap((u) => {
      const line = current.lines.find((l) => l.id === u.id);
      return line && u.quantity > line.quantity ? [line.variantId] : [];
    });
    const stock = await this.stock(ctx, [...new Set(raised)]);

    return this.change(
      ctx,
      cartId,
      current,
      (cart) => canUse(ctx.identity.viewer, cart),
      (cart) => {
        const gone = this.missingLines(
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
      },
    );
  }

  /** Removes lines by id. */
  async cartLinesRemove(
    ctx: RequestContext<CartLoaders>,
    cartId: string,
    lineIds: readonly string[],
  ): Promise<CartResult> {
    if (lineIds.length > MAX_LINES) {
      throw errors.badUserInput(`At most ${MAX_LINES} lines can be removed at once.`, 'lineIds');
    }
    const current = await this.cart(ctx, cartId);
    if (!current) return cartNotFound();
    const missing = this.missingLines(current, lineIds, (i) => ['lineIds', i]);
    if (missing.length > 0) return { cart: current, userErrors: missing };
    const removing = new Set(lineIds);
    return this.change(
      ctx,
      cartId,
      current,
      (cart) => canUse(ctx.identity.viewer, cart),
      (cart) => {
        const gone = this.missingLines(cart, lineIds, (i) => ['lineIds', i]);
        if (gone.length > 0) return { changes: null, userErrors: gone };
        return {
          changes: { lines: cart.lines.filter((l) => !removing.has(l.id)) },
          userErrors: [],
        };
      },
    );
  }

  /**
   * Signed in: merges a guest cart into the shopper's own cart (created when they have none),
   * quantities of the same variant added and capped by stock, then deletes the guest cart.
   *
   * Without transactions, in three steps that a retry can resume: the guest cart is frozen
   * (`mergingInto`: nobody can see or change it any more), its lines are added to the shopper's
   * cart together with the guest cart's id in `absorbed` (so they are added once), and the guest
   * cart is deleted. A crash in between leaves a frozen cart that the same shopper's retry
   * finishes, and that expires by itself otherwise.
   */
  async cartAssignToViewer(ctx: RequestContext<CartLoaders>, cartId: string): Promise<CartResult> {
    const viewer = requireUser(ctx.identity.viewer);
    if (!isCartId(cartId)) return cartNotFound();
    const guest = await ctx.loaders.cart.load(cartId);
    if (!guest) return cartNotFound();
    if (guest.ownerSub === viewer.sub) return { cart: guest, userErrors: [] };
    if (guest.ownerSub !== null) return cartNotFound();
    if (guest.mergingInto !== null && guest.mergingInto !== viewer.sub) return cartNotFound();

    // Stock first: when it cannot be read, the guest cart is left as it was.
    await this.stock(
      ctx,
      guest.lines.map((l) => l.variantId),
    );
    const frozen = await this.freeze(guest, viewer.sub);
    if (!frozen) return cartNotFound();
    const stock = await this.stock(
      ctx,
      frozen.lines.map((l) => l.variantId),
    );

    const own = await this.ownerCart(viewer.sub);
    const result = await this.change(
      ctx,
      own.id,
      own,
      (cart) => cart.ownerSub === viewer.sub,
      (cart) => this.mergeLines(cart, frozen, stock),
    );
    if (!result.cart) throw new Error(`cart ${own.id} of ${viewer.sub} vanished during a merge`);
    await deleteCart(this.db, frozen.id);
    ctx.loaders.cart.clear(frozen.id);
    return result;
  }

  // ---- internal operations (other services only) ------------------------------------------

  /**
   * The cart as checkout needs it. Null for an unknown or expired cart, and for a shopper's cart
   * asked for by anyone but that shopper.
   */
  async checkoutCart(ctx: RequestContext<CartLoaders>, id: string): Promise<CheckoutCart | null> {
    const cart = await this.cart(ctx, id);
    if (!cart) return null;
    return {
      id: cart.id,
      ownerSub: cart.ownerSub,
      version: cart.version,
      lines: cart.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
    };
  }

  /**
   * Empties a cart whose checkout placed `orderId`. Idempotent: an order already applied, an
   * unknown or expired cart, all answer true without a change. Admins and services only.
   */
  async cartCheckedOut(
    ctx: RequestContext<CartLoaders>,
    id: string,
    orderId: string,
  ): Promise<boolean> {
    requireServiceOrAdmin(ctx.identity.viewer, 'Only the order service can do this.');
    if (orderId.length === 0 || orderId.length > 200) {
      throw errors.badUserInput('"orderId" must be 1 to 200 characters long.', 'orderId');
    }
    if (!isCartId(id)) return true;
    const current = await ctx.loaders.cart.load(id);
    if (!current) return true;
    await this.change(
      ctx,
      id,
      current,
      () => true,
      (cart) =>
        cart.checkedOutOrders.includes(orderId)
          ? { changes: null, userErrors: [] }
          : {
              changes: {
                lines: [],
                checkedOutOrders: [...cart.checkedOutOrders, orderId].slice(-REMEMBERED),
              },
              userErrors: [],
            },
    );
    return true;
  }

  // ---- the rules ----------------------------------------------------------------------------

  private checkLinesToAdd(lines: readonly LineInput[], path: string[]): UserError<CartErrorCode>[] {
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
   * INVALID_QUANTITY and nothing changes) and is capped at the stock (INSUFFICIENT_STOCK).
   */
  private addLines(
    cart: Cart,
    grouped: Map<string, { quantity: number; index: number }>,
    stock: Map<string, number>,
    path: string[],
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
    const addedAt = this.now().toISOString();
    for (const [variantId, { quantity, index }] of grouped) {
      const line = lines.find((l) => l.variantId === variantId);
      const wanted = (line?.quantity ?? 0) + quantity;
      const available = stock.get(variantId) ?? 0;
      const kept = Math.min(wanted, available);
      if (kept < wanted) {
        userErrors.push(
          userError('INSUFFICIENT_STOCK', capMessage(available, kept), [
            ...path,
            index,
            'quantity',
          ]),
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

  /** The guest cart's lines added to the shopper's, per variant, capped by stock. */
  private mergeLines(cart: Cart, guest: Cart, stock: Map<string, number>): Outcome {
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

  private missingLines(
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

  private async unknownVariants(
    ctx: RequestContext<CartLoaders>,
    grouped: Map<string, { index: number }>,
    path: string[],
  ): Promise<UserError<CartErrorCode>[]> {
    const ids = [...grouped.keys()];
    const variants = await this.variants(ctx, ids);
    return ids.flatMap((id, i) =>
      variants[i]
        ? []
        : [
            userError('VARIANT_NOT_FOUND', 'There is no variant with this id.', [
              ...path,
              grouped.get(id)?.index ?? 0,
              'variantId',
            ]),
          ],
    );
  }

  // ---- the other services -------------------------------------------------------------------

  private async variants(
    ctx: RequestContext<CartLoaders>,
    ids: readonly string[],
  ): Promise<(CatalogVariant | null)[]> {
    const found = await ctx.loaders.variant.loadMany(ids);
    if (found.some((v) => v instanceof Error)) throw errors.subgraphUnavailable('product');
    return found as (CatalogVariant | null)[];
  }

  private async stock(
    ctx: RequestContext<CartLoaders>,
    ids: readonly string[],
  ): Promise<Map<string, number>> {
    const found = await ctx.loaders.stock.loadMany(ids);
    if (found.some((v) => v instanceof Error)) throw errors.subgraphUnavailable('order');
    return new Map(ids.map((id, i) => [id, found[i] as number]));
  }

  // ---- writing -------------------------------------------------------------------------------

  private emptyCart(ownerSub: string | null): Cart {
    const now = this.now();
    return {
      id: newCartId(),
      version: 1,
      ownerSub,
      lines: [],
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.ttlDays * DAY_MS).toISOString(),
      remindedAt: null,
      reminderClaimedUntil: null,
      mergingInto: null,
      absorbed: [],
      checkedOutOrders: [],
    };
  }

  /** The cart after a change: next version, new timestamps, due a reminder again. */
  private touch(cart: Cart, changes: Change['changes']): Cart {
    const now = this.now();
    return {
      ...cart,
      ...changes,
      version: cart.version + 1,
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.settings.ttlDays * DAY_MS).toISOString(),
      remindedAt: null,
      reminderClaimedUntil: null,
    };
  }

  /**
   * Applies `apply` to the cart and writes the result on condition that nobody wrote in
   * between; otherwise reads again and retries. `first` is a fresh read to start from.
   */
  private async change(
    ctx: RequestContext<CartLoaders>,
    id: string,
    first: Cart,
    allowed: (cart: Cart) => boolean,
    apply: (cart: Cart) => Outcome,
  ): Promise<CartResult> {
    let cart: Cart | null = first;
    for (let attempt = 0; attempt < this.maxWriteAttempts; attempt++) {
      if (attempt > 0) {
        await sleep(Math.random() * Math.min(250, 5 * 2 ** attempt));
        cart = await getCart(this.db, id, this.now());
      }
      if (!cart || !allowed(cart)) {
        ctx.loaders.cart.clear(id);
        return cartNotFound();
      }
      const outcome = apply(cart);
      if (!outcome.changes) return { cart, userErrors: outcome.userErrors };
      const next = this.touch(cart, outcome.changes);
      try {
        await putCart(this.db, next, cart.version);
      } catch (error) {
        if (error instanceof WriteConflict) continue;
        throw error;
      }
      ctx.loaders.cart.clear(id).prime(id, next);
      return { cart: next, userErrors: outcome.userErrors };
    }
    throw new Error(
      `cart ${id}: still losing to concurrent writers after ${this.maxWriteAttempts} attempts`,
    );
  }

  /**
   * The shopper's cart, created when they have none (or theirs has expired). The owner pointer
   * is written on condition, so concurrent first requests end with one cart; a loser deletes
   * the cart it created and takes the winner's.
   */
  private async ownerCart(sub: string): Promise<Cart> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const pointer = (await getOwnerCartIds(this.db, [sub])).get(sub) ?? null;
      if (pointer) {
        const cart = await getCart(this.db, pointer, this.now());
        if (cart && cart.ownerSub === sub) return cart;
      }
      const fresh = this.emptyCart(sub);
      await putCart(this.db, fresh, null);
      if (await putOwnerCartId(this.db, sub, fresh.id, pointer)) return fresh;
      await deleteCart(this.db, fresh.id);
    }
    throw new Error(`could not settle the cart of ${sub}`);
  }

  /** Freezes a guest cart for a merge into `sub`'s cart; null when it is no longer mergeable. */
  private async freeze(guest: Cart, sub: string): Promise<Cart | null> {
    let cart: Cart | null = guest;
    for (let attempt = 0; attempt < this.maxWriteAttempts; attempt++) {
      if (attempt > 0) cart = await getCart(this.db, guest.id, this.now());
      if (!cart || cart.ownerSub !== null) return null;
      if (cart.mergingInto !== null) return cart.mergingInto === sub ? cart : null;
      const frozen: Cart = { ...cart, version: cart.version + 1, mergingInto: sub };
      try {
        await putCart(this.db, frozen, cart.version);
        return frozen;
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error;
      }
    }
    throw new Error(`cart ${guest.id}: could not be frozen for a merge`);
  }
}
