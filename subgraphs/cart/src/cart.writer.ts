/**
 * How the cart service writes a cart: one DynamoDB item with a `version`. A change reads the
 * cart, computes the new one (cart.rules.ts) and writes it on condition that the version is
 * still the one it read; when another request won the race, it reads again and recomputes, a
 * bounded number of times. So concurrent changes to one cart all land, each applied to the
 * result of the ones before it.
 */
import { type CartTable } from './cart.table';
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../../common/context';
import { userError } from '../../../common/user-error';
import {
  deleteCart,
  getCart,
  getOwnerCartIds,
  putCart,
  putOwnerCartId,
  WriteConflict,
} from './cart.repository';
import type { Change, Outcome } from './cart.rules';
import type { Cart, CartResult } from './domain';
import type { CartLoaders } from './loaders';

const DAY_MS = 86_400_000;

/** 144 random bits, base64url: 24 characters. */
const newCartId = () => randomBytes(18).toString('base64url');
export const isCartId = (id: string) => /^[A-Za-z0-9_-]{24}$/.test(id);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a caller gets for a cart that does not exist, has expired, or is not theirs. */
export const cartNotFound = (): CartResult => ({
  cart: null,
  userErrors: [userError('CART_NOT_FOUND', 'There is no cart with this id.', ['cartId'])],
});

export interface CartWriteSettings {
  /** A cart expires this many days after its last change. */
  ttlDays: number;
  /** Attempts at a write that keeps losing the race to other writers, before giving up. */
  maxWriteAttempts?: number;
}

export class CartWriter {
  private readonly maxWriteAttempts: number;

  constructor(
    private readonly db: CartTable,
    private readonly settings: CartWriteSettings,
    private readonly now: () => Date,
  ) {
    this.maxWriteAttempts = settings.maxWriteAttempts ?? 20;
  }

  emptyCart(ownerSub: string | null): Cart {
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
  async change(
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
  async ownerCart(sub: string): Promise<Cart> {
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
  async freeze(guest: Cart, sub: string): Promise<Cart | null> {
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
