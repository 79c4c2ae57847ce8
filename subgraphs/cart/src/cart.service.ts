/**
 * The cart service. Every method takes the request context first; resolvers call exactly one
 * method. Inputs are checked and the catalog and stock read here; what a change does to the
 * lines is in cart.rules.ts, and how it is written despite concurrent writers in cart.writer.ts.
 *
 * Access: a guest cart (no owner) is open to whoever holds its unguessable id; a shopper's cart
 * only to that shopper. Anyone else gets what they would get for an id that does not exist.
 */
import { type CartTable } from './cart.table';
import { userError, type UserError } from '../../../common/user-error';
import type { RequestContext } from '../../../common/context';
import { errors } from '../../../common/errors';
import { requireServiceOrAdmin, requireUser } from '../../../common/identity';
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
import {
  addLines,
  canUse,
  checkLinesToAdd,
  checkOut,
  groupByVariant,
  mergeLines,
  missingLines,
  removeLines,
  updateLines,
  validQuantity,
  type LineInput,
  type LineUpdateInput,
} from './cart.rules';
import type { CartLoaders } from './loaders';
import { deleteCart, putCart } from './cart.repository';
import { cartNotFound, CartWriter, isCartId } from './cart.writer';

export interface CartSettings {
  /** A cart expires this many days after its last change (CART_TTL_DAYS). */
  ttlDays: number;
  /** The currency of an empty cart's subtotal (every variant of the store is priced in it). */
  currencyCode: string;
  /** Attempts at a write that keeps losing the race to other writers, before giving up. */
  maxWriteAttempts?: number;
}

export interface LineCost {
  amountPerQuantity: Money;
  subtotalAmount: Money;
}

export class CartService {
  private readonly writer: CartWriter;

  constructor(
    private readonly db: CartTable,
    private readonly settings: CartSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.writer = new CartWriter(db, settings, now);
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
    const problems = checkLinesToAdd(lines, ['input', 'lines']);
    if (problems.length > 0) return { cart: null, userErrors: problems };
    const grouped = groupByVariant(lines);
    const unknown = await this.unknownVariants(ctx, grouped, ['input', 'lines']);
    if (unknown.length > 0) return { cart: null, userErrors: unknown };
    const stock = await this.stock(ctx, [...grouped.keys()]);
    const addedAt = this.now().toISOString();
    const add = (cart: Cart) => addLines(cart, grouped, stock, ['input', 'lines'], addedAt);

    if (ctx.identity.viewer.kind === 'user') {
      const own = await this.writer.ownerCart(ctx.identity.viewer.sub);
      if (lines.length === 0) {
        ctx.loaders.cart.clear(own.id).prime(own.id, own);
        return { cart: own, userErrors: [] };
      }
      return this.writer.change(ctx, own.id, own, (c) => c.ownerSub === own.ownerSub, add);
    }

    const empty = this.writer.emptyCart(null);
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
    const problems = checkLinesToAdd(lines, ['lines']);
    if (problems.length > 0) return { cart: current, userErrors: problems };
    const grouped = groupByVariant(lines);
    const unknown = await this.unknownVariants(ctx, grouped, ['lines']);
    if (unknown.length > 0) return { cart: current, userErrors: unknown };
    const stock = await this.stock(ctx, [...grouped.keys()]);
    return this.writer.change(
      ctx,
      cartId,
      current,
      (cart) => canUse(ctx.identity.viewer, cart),
      (cart) => addLines(cart, grouped, stock, ['lines'], this.now().toISOString()),
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
    const missing = missingLines(
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

    return this.writer.change(
      ctx,
      cartId,
      current,
      (cart) => canUse(ctx.identity.viewer, cart),
      (cart) => updateLines(cart, updates, stock),
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
    const missing = missingLines(current, lineIds, (i) => ['lineIds', i]);
    if (missing.length > 0) return { cart: current, userErrors: missing };
    return this.writer.change(
      ctx,
      cartId,
      current,
      (cart) => canUse(ctx.identity.viewer, cart),
      (cart) => removeLines(cart, lineIds),
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
    const frozen = await this.writer.freeze(guest, viewer.sub);
    if (!frozen) return cartNotFound();
    const stock = await this.stock(
      ctx,
      frozen.lines.map((l) => l.variantId),
    );

    const own = await this.writer.ownerCart(viewer.sub);
    const result = await this.writer.change(
      ctx,
      own.id,
      own,
      (cart) => cart.ownerSub === viewer.sub,
      (cart) => mergeLines(cart, frozen, stock),
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
    await this.writer.change(
      ctx,
      id,
      current,
      () => true,
      (cart) => checkOut(cart, orderId),
    );
    return true;
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
}
