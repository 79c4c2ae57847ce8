/**
 * Checkout: turns a cart into a paid order, all or nothing.
 *
 * Before the transaction (no side effects): the input is checked, then the cart (cart service),
 * the shopper's email and saved address (user service, signed-in shoppers only, when needed) and
 * the current prices (product service) are read, and the totals computed. Prices always come
 * from the catalog at this moment, never from the client.
 *
 * Then ONE PostgreSQL transaction: claim the idempotency key, take the stock line by line with a
 * guarded decrement (in variant id order, so concurrent checkouts never deadlock), insert the
 * order, its lines and its first status, append the `order.placed`, `cart.checked_out` and
 * `search.order_placed` events to the outbox, capture the payment, record it, and commit. Any
 * line short of stock, or a declined card, rolls all of it back: no order, stock untouched, no
 * event, no charge. The capture comes last, once everything else is written, so a card is only
 * charged for an order that is about to commit. The cart is emptied after the commit, by the outbox, so an
 * order stands even while the cart service is down.
 *
 * Idempotency: the key belongs to the caller (the shopper, or for a guest the cart) and is
 * bound to a hash of the normalised input. The same key and input return the first order (one
 * order, one charge), also when the requests race: the second waits on the first's key row and
 * then answers with its order. The same key with another input is IDEMPOTENCY_KEY_REUSED. Only
 * a placed order uses up a key: a failed attempt (declined card, stock, cart, address) rolls the
 * key back with everything else, so the shopper can fix the problem (another card, another
 * address) and retry under the same key. Recording failures would pin the key to an outcome
 * that depends on things outside the input (the cart's contents, the stock, the card), and a
 * client following the advice "retry with the same key" would be stuck with it.
 */
import { normaliseEmail } from '../../../common/email';
import { userError, type UserError } from '../../../common/user-error';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { errors } from '../../../common/errors';
import type { RequestContext } from '../../../common/context';
import { inTransaction } from '../../../common/postgres';
import type { CheckoutErrorCode, Order, PostalAddress } from './domain';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findIdempotencyKey,
  type IdempotencyRecord,
} from './idempotency.repository';
import type { OrderLoaders } from './loaders';
import {
  cartCheckedOutPayload,
  lineDisplayTitle,
  orderChangedEvent,
  orderEventPayload,
  OutboxEventType,
  searchOrderPlacedPayload,
  stockChangedEvent,
} from './outbox/events';
import { appendOutbox } from './outbox/outbox.repository';
import {
  appendStatusHistory,
  insertOrder,
  insertOrderLines,
  insertPayment,
  type NewOrderLine,
} from './order.repository';
import type { PaymentProvider } from './payments';
import { lineTotal, orderTotals, type OrderTotals, type PricingRules } from './pricing';
import type { CartSource, CartForCheckout } from './cart.client';
import type { PriceSource } from './product.client';
import type { AccountSource } from './user.client';
import { SubgraphCallError } from '../../../common/subgraph-client';
import { stockByVariantIds, takeStock } from './stock.repository';
import {
  checkInput,
  checkShape,
  normalisedInput,
  type CheckedInput,
  type CheckoutInput,
} from './validation';

export interface CheckoutResult {
  order: Order | null;
  userErrors: UserError<CheckoutErrorCode>[];
}

/** What checkout needs from outside this service. */
export interface CheckoutDependencies {
  cart: CartSource;
  prices: PriceSource;
  accounts: AccountSource;
  payments: PaymentProvider;
  pricing: PricingRules;
  /** The store's currency; every price must be in it. */
  currency: string;
}

/** An expected outcome found inside the transaction: it rolls back and is answered as is. */
class CheckoutRejected extends Error {
  constructor(readonly userErrors: UserError<CheckoutErrorCode>[]) {
    super('checkout rejected');
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class CheckoutService {
  constructor(
    private readonly pool: Pool,
    private readonly deps: CheckoutDependencies | null,
  ) {}

  async checkout(ctx: RequestContext<OrderLoaders>, input: CheckoutInput): Promise<CheckoutResult> {
    const deps = this.deps;
    if (!deps) throw new Error('checkout is not configured: no payment provider or sources');
    checkShape(input);
    const signedIn = ctx.identity.viewer.kind === 'user' ? ctx.identity.viewer : null;
    const scope = signedIn ? signedIn.sub : `guest:${input.cartId}`;
    const key = input.idempotencyKey;
    const inputHash = sha256(normalisedInput(input));

    const seen = await findIdempotencyKey(this.pool, scope, key);
    if (seen?.orderId) return this.replay(ctx, seen, inputHash);

    const attempt = await this.attempt(ctx, deps, input, { scope, key, inputHash });
    if ('taken' in attempt) {
      const record = await findIdempotencyKey(this.pool, scope, key);
      if (!record?.orderId) throw new Error('an idempotency key was taken without an order');
      return this.replay(ctx, record, inputHash);
    }
    if (attempt.userErrors.length > 0) {
      // A request racing this one with the same key may have placed the order meanwhile (and
      // emptied the cart, hence CART_EMPTY here): then its order is the answer.
      const record = await findIdempotencyKey(this.pool, scope, key);
      if (record?.orderId) return this.replay(ctx, record, inputHash);
    }
    return attempt;
  }

  /** The answer to a key used before: its order for the same input, a userError otherwise. */
  private async replay(
    ctx: RequestContext<OrderLoaders>,
    record: IdempotencyRecord,
    inputHash: string,
  ): Promise<CheckoutResult> {
    if (record.inputHash !== inputHash || !record.orderId) {
      return {
        order: null,
        userErrors: [
          userError(
            'IDEMPOTENCY_KEY_REUSED',
            'This idempotency key was used for another checkout. Use a new key for a new checkout.',
            ['input', 'idempotencyKey'],
          ),
        ],
      };
    }
    const order = await ctx.loaders.order.load(record.orderId);
    if (!order) throw new Error(`order ${record.orderId} of an idempotency key is missing`);
    return { order, userErrors: [] };
  }

  private async attempt(
    ctx: RequestContext<OrderLoaders>,
    deps: CheckoutDependencies,
    input: CheckoutInput,
    idempotency: Idempotency,
  ): Promise<CheckoutResult | { taken: true }> {
    const signedIn = ctx.identity.viewer.kind === 'user';
    const checked = checkInput(input, signedIn);
    if (Array.isArray(checked)) return rejected(checked);
    const purchase = await this.gather(ctx, deps, input, checked);
    if (Array.isArray(purchase)) return rejected(purchase);
    return this.place(ctx, deps, input.paymentToken, idempotency, purchase);
  }

  /**
   * Reads what the order needs (no side effects): the cart; the shopper's account when the email
   * or the address comes from it; the current prices. Then the totals.
   */
  private async gather(
    ctx: RequestContext<OrderLoaders>,
    deps: CheckoutDependencies,
    input: CheckoutInput,
    checked: CheckedInput,
  ): Promise<Purchase | UserError<CheckoutErrorCode>[]> {
    const needsAccount =
      ctx.identity.viewer.kind === 'user' && (checked.email === null || checked.address === null);
    const [cart, account] = await Promise.all([
      available('cart', deps.cart.cartForCheckout(ctx.identity, input.cartId)),
      needsAccount ? available('user', deps.accounts.account(ctx.identity)) : Promise.resolve(null),
    ]);
    if (!cart) {
      return [
        userError('CART_NOT_FOUND', 'There is no such cart, or it has expired.', [
          'input',
          'cartId',
        ]),
      ];
    }
    // Per variant, in the cart's order (the order's lines show as the cart did).
    const quantities = new Map<string, number>();
    for (const line of cart.lines) {
      if (line.quantity > 0) {
        quantities.set(line.variantId, (quantities.get(line.variantId) ?? 0) + line.quantity);
      }
    }
    if (quantities.size === 0) {
      return [userError('CART_EMPTY', 'The cart is empty.', ['input', 'cartId'])];
    }

    let { email, address } = checked;
    if (needsAccount) {
      if (!account) throw errors.unauthenticated('The session has ended. Sign in again.');
      email ??= normaliseEmail(account.email);
      if (!address) {
        const saved = account.addresses.find((a) => a.id === checked.addressId);
        if (!saved) {
          return [
            userError('INVALID_ADDRESS', 'You have no saved address with this id.', [
              'input',
              'addressId',
            ]),
          ];
        }
        const { id: _id, ...postal } = saved;
        address = postal;
      }
    }
    if (!email || !address) throw new Error('checkout lost its email or address');

    const variantIds = [...quantities.keys()];
    const variants = await available('product', deps.prices.variants(variantIds));
    const gone = variantIds.filter((id) => !variants.has(id));
    if (gone.length > 0) {
      return gone.map((id) =>
        userError(
          'INSUFFICIENT_STOCK',
          `An item in the cart (variant ${id}) is no longer sold. Remove it and try again.`,
          ['input', 'cartId'],
        ),
      );
    }
    const lines = variantIds.map((id): NewOrderLine => {
      const variant = variants.get(id);
      const quantity = quantities.get(id);
      if (!variant || quantity === undefined) throw new Error('a priced line went missing');
      if (variant.currency !== deps.currency) {
        throw new Error(`variant ${id} is priced in ${variant.currency}, not ${deps.currency}`);
      }
      return {
        variantId: id,
        productId: variant.productId,
        sku: variant.sku,
        title: variant.productTitle,
        variantTitle: variant.title,
        quantity,
        unitPrice: variant.price,
        totalPrice: lineTotal(variant.price, quantity),
      };
    });
    const totals = orderTotals(
      lines.map((l) => l.totalPrice),
      deps.pricing,
    );
    return { cart, email, address, lines, totals };
  }

  /** The transaction: all of it, or (rolled back) none of it. */
  private async place(
    ctx: RequestContext<OrderLoaders>,
    deps: CheckoutDependencies,
    paymentToken: string,
    idempotency: Idempotency,
    purchase: Purchase,
  ): Promise<CheckoutResult | { taken: true }> {
    const { cart, lines, totals } = purchase;
    // Same checkout, cart contents and total, same charge: a retry after a transaction that
    // captured but did not commit is not charged twice. A cart changed in between is another
    // purchase, charged under another key.
    const paymentKey = `checkout_${sha256(
      [idempotency.scope, idempotency.key, idempotency.inputHash, cart.version, totals.total].join(
        '\n',
      ),
    )}`;
    let placed: Order | { taken: true };
    try {
      placed = await inTransaction(this.pool, async (tx) => {
        const claimed = await claimIdempotencyKey(
          tx,
          idempotency.scope,
          idempotency.key,
          idempotency.inputHash,
        );
        if (!claimed) return { taken: true as const };

        // Row locks in one global order (variant id), so two checkouts never wait on each other
        // in a cycle.
        const short: NewOrderLine[] = [];
        for (const line of [...lines].sort(byVariantId)) {
          if (!(await takeStock(tx, line.variantId, line.quantity))) short.push(line);
        }
        if (short.length > 0) {
          const left = await stockByVariantIds(
            tx,
            short.map((l) => l.variantId),
          );
          throw new CheckoutRejected(short.map((line) => shortage(line, left)));
        }

        const order = await insertOrder(tx, {
          ownerSub: ctx.identity.viewer.kind === 'user' ? ctx.identity.viewer.sub : null,
          email: purchase.email,
          currency: deps.currency,
          ...totals,
          shippingAddress: purchase.address,
          cartId: cart.id,
        });
        await insertOrderLines(tx, order.id, lines);
        await appendStatusHistory(tx, order.id, 'PAID');
        await appendOutbox(tx, OutboxEventType.OrderPlaced, orderEventPayload(order, lines));
        await appendOutbox(
          tx,
          OutboxEventType.CartCheckedOut,
          cartCheckedOutPayload(cart.id, order.id),
        );
        // The search service records the purchase and refreshes these products' stock itself.
        await appendOutbox(
          tx,
          OutboxEventType.SearchOrderPlaced,
          searchOrderPlacedPayload(order, lines),
        );
        await appendOutbox(tx, OutboxEventType.StoreEvent, orderChangedEvent(order, true));
        await appendOutbox(tx, OutboxEventType.StoreEvent, stockChangedEvent(lines));

        const charge = await deps.payments.capture({
          amount: order.total,
          currency: order.currency,
          token: paymentToken,
          idempotencyKey: paymentKey,
          reference: `Order #${order.number} (cart ${cart.id})`,
        });
        if (!charge.ok) {
          throw new CheckoutRejected([
            userError(charge.code, charge.message, ['input', 'paymentToken']),
          ]);
        }
        await insertPayment(tx, {
          orderId: order.id,
          provider: deps.payments.name,
          providerRef: charge.ref,
          last4: charge.last4,
          currency: order.currency,
          amountCaptured: order.total,
        });
        await completeIdempotencyKey(tx, idempotency.scope, idempotency.key, order.id);
        return order;
      });
    } catch (error) {
      if (error instanceof CheckoutRejected) return rejected(error.userErrors);
      throw error;
    }
    if ('taken' in placed) return placed;
    ctx.loaders.order.clear(placed.id).prime(placed.id, placed);
    return { order: placed, userErrors: [] };
  }
}

/** Everything the order is made of, read and priced. */
interface Purchase {
  cart: CartForCheckout;
  email: string;
  address: PostalAddress;
  lines: NewOrderLine[];
  totals: OrderTotals;
}

interface Idempotency {
  scope: string;
  key: string;
  inputHash: string;
}

const rejected = (userErrors: UserError<CheckoutErrorCode>[]): CheckoutResult => ({
  order: null,
  userErrors,
});

function shortage(
  line: NewOrderLine,
  left: Map<string, { quantity: number }>,
): UserError<CheckoutErrorCode> {
  const available = left.get(line.variantId)?.quantity ?? 0;
  const what = lineDisplayTitle(line);
  return userError(
    'INSUFFICIENT_STOCK',
    available === 0
      ? `${what} is sold out.`
      : `Only ${available} of ${what} left; the cart has ${line.quantity}.`,
    ['input', 'cartId'],
  );
}

const byVariantId = (a: { variantId: string }, b: { variantId: string }) =>
  a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0;

/** Another service that does not answer makes checkout fail with SUBGRAPH_UNAVAILABLE. */
async function available<T>(service: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof SubgraphCallError) throw errors.subgraphUnavailable(service);
    throw error;
  }
}
