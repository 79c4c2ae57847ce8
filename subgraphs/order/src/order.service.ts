/**
 * Orders after checkout: who may read them, the shopper's and the back office's listings, and
 * the changes (cancel, fulfil, refund). Each change runs in one transaction that holds the
 * order's row lock (and the payment's), so concurrent changes of one order queue and see each
 * other's result: two refunds can never give back more than was captured. Each appends its
 * status change to the history and its event to the outbox in that same transaction (a cancel
 * also `search.stock_changed`, for the stock it gives back).
 *
 * Who may see an order: one placed signed in, its owner and admins (anyone else gets null and
 * FORBIDDEN, or UNAUTHENTICATED when not signed in); a guest order, whoever holds its id (ids
 * are random UUIDs, so holding one means having been given it). The same goes for cancelling.
 */
import type { UserError } from '../../../common/user-error';
import type { RequestContext } from '../../../common/context';
import type { Pool, PoolClient } from 'pg';
import { errors } from '../../../common/errors';
import { requireAdmin, requireUser, type Viewer } from '../../../common/identity';
import { formatMinorUnits, parseMinorUnits } from '../../../common/money';
import {
  checkFirst,
  connection,
  decodeCursor,
  encodeCursor,
  type Connection,
} from '../../../common/pagination';
import { inTransaction } from '../../../common/postgres';
import type {
  AdminErrorCode,
  CheckoutErrorCode,
  Order,
  OrderLine,
  OrderStatus,
  OrderStatusChange,
  Payment,
} from './domain';
import type { OrderLoaders } from './loaders';
import {
  orderChangedEvent,
  orderEventPayload,
  OutboxEventType,
  searchStockChangedPayload,
  stockChangedEvent,
} from './outbox/events';
import { appendOutbox } from './outbox/outbox.repository';
import {
  appendStatusHistory,
  countOrders,
  linesByOrderIds,
  lockOrder,
  lockPaymentOfOrder,
  orderPage,
  recordRefund,
  updateOrderStatus,
  type OrderFilter,
  type OrderPosition,
} from './order.repository';
import type { PaymentProvider } from './payments';
import { returnStock } from './stock.repository';
import { isUuid } from './validation';

export interface OrderPayload<C extends string> {
  order: Order | null;
  userErrors: UserError<C>[];
}

export const MAX_TRACKING_NUMBER_LENGTH = 100;

const isPosition = (value: Record<string, unknown>): value is { t: string; id: string } =>
  typeof value.t === 'string' &&
  /^\d{1,20}$/.test(value.t) &&
  typeof value.id === 'string' &&
  isUuid(value.id);

const cursorOf = (position: OrderPosition) =>
  encodeCursor({ t: position.createdUs, id: position.id });

/** The outcome of a change made under the order's lock. */
export type Change<C extends string> =
  { kind: 'changed'; order: Order } | { kind: 'refused'; error: UserError<C> };

export class OrderService {
  constructor(
    private readonly pool: Pool,
    private readonly payments: PaymentProvider | null,
  ) {}

  // ---- reads ---------------------------------------------------------------------------------

  /** An order the caller may see; null for an unknown id; FORBIDDEN/UNAUTHENTICATED otherwise. */
  async order(ctx: RequestContext<OrderLoaders>, id: string): Promise<Order | null> {
    if (!isUuid(id)) return null;
    const order = await ctx.loaders.order.load(id);
    if (!order) return null;
    authorize(ctx.identity.viewer, order);
    return order;
  }

  lines(ctx: RequestContext<OrderLoaders>, order: Order): Promise<OrderLine[]> {
    return ctx.loaders.orderLines.load(order.id);
  }

  async payment(ctx: RequestContext<OrderLoaders>, order: Order): Promise<Payment> {
    const payment = await ctx.loaders.payment.load(order.id);
    if (!payment) throw new Error(`order ${order.id} has no payment`);
    return payment;
  }

  statusHistory(ctx: RequestContext<OrderLoaders>, order: Order): Promise<OrderStatusChange[]> {
    return ctx.loaders.statusHistory.load(order.id);
  }

  /** The User entity other subgraphs reference, for its `orders`. */
  userReference(_ctx: RequestContext<OrderLoaders>, id: string): { id: string } {
    return { id };
  }

  /** A shopper's orders, newest first: the shopper themself and admins only. */
  ordersOfUser(
    ctx: RequestContext<OrderLoaders>,
    userId: string,
    page: { first: number; after?: string | null },
  ): Promise<Connection<Order>> {
    const viewer = requireUser(ctx.identity.viewer);
    if (viewer.sub !== userId && !viewer.isAdmin) {
      throw errors.forbidden("Only the shopper themself can see a shopper's orders.");
    }
    return this.listing(ctx, { kind: 'owner', ownerSub: userId }, page);
  }

  /** Every order, or those of one status, newest first. Admins only. */
  orders(
    ctx: RequestContext<OrderLoaders>,
    page: { status?: OrderStatus | null; first: number; after?: string | null },
  ): Promise<Connection<Order>> {
    requireAdmin(ctx.identity.viewer);
    return this.listing(ctx, { kind: 'all', status: page.status ?? null }, page);
  }

  private async listing(
    ctx: RequestContext<OrderLoaders>,
    filter: OrderFilter,
    page: { first: number; after?: string | null },
  ): Promise<Connection<Order>> {
    const first = checkFirst(page.first);
    const after = page.after ? decodeCursor(page.after, isPosition) : null;
    const [{ items, hasNextPage }, totalCount] = await Promise.all([
      orderPage(this.pool, filter, first, after ? { createdUs: after.t, id: after.id } : null),
      countOrders(this.pool, filter),
    ]);
    for (const { order } of items) ctx.loaders.order.prime(order.id, order);
    return connection(
      items.map(({ order, position }) => ({ cursor: cursorOf(position), node: order })),
      { hasNextPage, hasPreviousPage: after !== null, totalCount },
    );
  }

  // ---- changes -------------------------------------------------------------------------------

  /**
   * Cancels an order that has not been fulfilled: refunds what is left of the payment in full,
   * gives the stock back (and tells the search service so, through the outbox), and sets
   * CANCELLED. The order's owner (or, for a guest order, whoever holds its id) and admins may.
   * Anything but a PAID order is ORDER_NOT_CANCELLABLE.
   */
  async cancel(
    ctx: RequestContext<OrderLoaders>,
    id: string,
  ): Promise<OrderPayload<CheckoutErrorCode>> {
    const payments = this.requirePayments();
    const notCancellable = (message: string): OrderPayload<CheckoutErrorCode> => ({
      order: null,
      userErrors: [{ code: 'ORDER_NOT_CANCELLABLE', field: ['id'], message }],
    });
    if (!isUuid(id)) return notCancellable('There is no order with this id.');
    const change = await inTransaction(
      this.pool,
      async (tx): Promise<Change<CheckoutErrorCode> | null> => {
        const order = await lockOrder(tx, id);
        if (!order) return null;
        authorize(ctx.identity.viewer, order);
        if (order.status !== 'PAID') {
          return {
            kind: 'refused',
            error: {
              code: 'ORDER_NOT_CANCELLABLE',
              field: ['id'],
              message: `This order is ${order.status.toLowerCase()}; only an order that has not been fulfilled can be cancelled.`,
            },
          };
        }
        const payment = await lockPaymentOfOrder(tx, id);
        if (!payment) throw new Error(`order ${id} has no payment`);
        const left = payment.amountCaptured - payment.amountRefunded;
        if (left > 0) {
          const refund = await payments.refund({
            ref: payment.providerRef,
            amount: left,
            currency: payment.currency,
            idempotencyKey: `cancel_${order.id}`,
          });
          await recordRefund(tx, payment, { providerRef: refund.ref, amount: left });
        }
        const lines = (await linesByOrderIds(tx, [id])).get(id) ?? [];
        const levels = stockLevels(lines);
        await returnStock(tx, levels);
        await updateOrderStatus(tx, id, 'CANCELLED');
        await appendStatusHistory(tx, id, 'CANCELLED');
        const cancelled: Order = { ...order, status: 'CANCELLED' };
        await appendOutbox(
          tx,
          OutboxEventType.OrderCancelled,
          orderEventPayload(cancelled, lines, { refundedAmount: left }),
        );
        await appendOutbox(tx, OutboxEventType.StoreEvent, orderChangedEvent(cancelled));
        if (levels.length > 0) {
          await appendOutbox(
            tx,
            OutboxEventType.SearchStockChanged,
            searchStockChangedPayload(levels.map((l) => l.productId)),
          );
          await appendOutbox(tx, OutboxEventType.StoreEvent, stockChangedEvent(levels));
        }
        return { kind: 'changed', order: cancelled };
      },
    );
    if (!change) return notCancellable('There is no order with this id.');
    return this.answer(ctx, id, change);
  }

  /** Marks a paid order shipped, with its tracking number. Admins only. */
  async fulfil(
    ctx: RequestContext<OrderLoaders>,
    id: string,
    trackingNumber: string | null | undefined,
  ): Promise<OrderPayload<AdminErrorCode>> {
    requireAdmin(ctx.identity.viewer);
    const tracking = trackingNumber?.trim() || null;
    if (tracking !== null && tracking.length > MAX_TRACKING_NUMBER_LENGTH) {
      return refusal({
        code: 'INVALID_INPUT',
        field: ['trackingNumber'],
        message: `A tracking number has at most ${MAX_TRACKING_NUMBER_LENGTH} characters.`,
      });
    }
    if (!isUuid(id)) return refusal(noSuchOrder());
    const change = await inTransaction(this.pool, (tx) => fulfilOrder(tx, id, tracking));
    if (!change) return refusal(noSuchOrder());
    return this.answer(ctx, id, change);
  }

  /**
   * Refunds `amount` (a decimal string; omitted: everything left) of an order's payment.
   * Admins only. More than is left is REFUND_EXCEEDS_PAYMENT. The payment becomes
   * PARTIALLY_REFUNDED, or REFUNDED once all of it is given back, which also sets the order
   * REFUNDED. A refund gives money back, not stock: the goods may be on their way or kept.
   */
  async refund(
    ctx: RequestContext<OrderLoaders>,
    id: string,
    amount: string | null | undefined,
  ): Promise<OrderPayload<AdminErrorCode>> {
    requireAdmin(ctx.identity.viewer);
    const payments = this.requirePayments();
    let requested: number | null = null;
    if (amount !== null && amount !== undefined) {
      requested = parseMinorUnits(amount);
      if (requested === null || requested === 0) {
        return refusal({
          code: 'INVALID_INPUT',
          field: ['amount'],
          message: 'The amount must be more than zero, with at most two decimals, like "12.50".',
        });
      }
    }
    if (!isUuid(id)) return refusal(noSuchOrder());
    const change = await inTransaction(
      this.pool,
      async (tx): Promise<Change<AdminErrorCode> | null> => {
        const order = await lockOrder(tx, id);
        if (!order) return null;
        const payment = await lockPaymentOfOrder(tx, id);
        if (!payment) throw new Error(`order ${id} has no payment`);
        const left = payment.amountCaptured - payment.amountRefunded;
        const refund = requested ?? left;
        if (refund === 0 || refund > left) {
          return {
            kind: 'refused',
            error: {
              code: 'REFUND_EXCEEDS_PAYMENT',
              field: ['amount'],
              message:
                left === 0
                  ? 'This payment has been refunded in full already.'
                  : `At most ${formatMinorUnits(left)} ${payment.currency} of this payment is left to refund.`,
            },
          };
        }
        const given = await payments.refund({
          ref: payment.providerRef,
          amount: refund,
          currency: payment.currency,
          idempotencyKey: `refund_${order.id}_${payment.amountRefunded}_${refund}`,
        });
        const updated = await recordRefund(tx, payment, { providerRef: given.ref, amount: refund });
        let status = order.status;
        if (updated.status === 'REFUNDED') {
          status = 'REFUNDED';
          await updateOrderStatus(tx, id, status);
          await appendStatusHistory(tx, id, status);
        }
        const refunded: Order = { ...order, status };
        const lines = (await linesByOrderIds(tx, [id])).get(id) ?? [];
        await appendOutbox(
          tx,
          OutboxEventType.OrderRefunded,
          orderEventPayload(refunded, lines, { refundedAmount: refund }),
        );
        await appendOutbox(tx, OutboxEventType.StoreEvent, orderChangedEvent(refunded));
        return { kind: 'changed', order: refunded };
      },
    );
    if (!change) return refusal(noSuchOrder());
    return this.answer(ctx, id, change);
  }

  /** The payload after a change: the order as it is now (fresh from the store), or the refusal. */
  private async answer<C extends string>(
    ctx: RequestContext<OrderLoaders>,
    id: string,
    change: Change<C>,
  ): Promise<OrderPayload<C>> {
    ctx.loaders.order.clear(id);
    ctx.loaders.payment.clear(id);
    ctx.loaders.statusHistory.clear(id);
    if (change.kind === 'refused') return { order: null, userErrors: [change.error] };
    return { order: await ctx.loaders.order.load(id), userErrors: [] };
  }

  private requirePayments(): PaymentProvider {
    if (!this.payments) throw new Error('no payment provider is configured');
    return this.payments;
  }
}

/** May the caller see (and cancel) this order? Throws UNAUTHENTICATED or FORBIDDEN if not. */
function authorize(viewer: Viewer, order: Order): void {
  if (order.ownerSub === null) return;
  if (viewer.kind !== 'user') throw errors.unauthenticated('Sign in to see this order.');
  if (viewer.sub !== order.ownerSub && !viewer.isAdmin) {
    throw errors.forbidden('This order belongs to another shopper.');
  }
}

const noSuchOrder = (): UserError<AdminErrorCode> => ({
  code: 'NOT_FOUND',
  field: ['id'],
  message: 'There is no order with this id.',
});

const refusal = <C extends string>(error: UserError<C>): OrderPayload<C> => ({
  order: null,
  userErrors: [error],
});

/** One stock level per variant (lines of one variant added up), in variant id order. */
function stockLevels(lines: readonly OrderLine[]) {
  const levels = new Map<string, { variantId: string; productId: string; quantity: number }>();
  for (const line of lines) {
    const level = levels.get(line.variantId);
    if (level) level.quantity += line.quantity;
    else levels.set(line.variantId, { ...line, quantity: line.quantity });
  }
  return [...levels.values()]
    .map(({ variantId, productId, quantity }) => ({ variantId, productId, quantity }))
    .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));
}

/**
 * Marks a paid order shipped in the caller's transaction (orderFulfill, the fulfillment
 * webhook): the status, its history and the outbox events. Null when there is no such order.
 */
export async function fulfilOrder(
  tx: PoolClient,
  id: string,
  tracking: string | null,
): Promise<Change<AdminErrorCode> | null> {
  const order = await lockOrder(tx, id);
  if (!order) return null;
  if (order.status !== 'PAID') {
    return {
      kind: 'refused',
      error: {
        code: 'INVALID_INPUT',
        field: ['id'],
        message: `This order is ${order.status.toLowerCase()}; only a paid order can be fulfilled.`,
      },
    };
  }
  await updateOrderStatus(tx, id, 'FULFILLED', tracking);
  await appendStatusHistory(tx, id, 'FULFILLED');
  const fulfilled: Order = {
    ...order,
    status: 'FULFILLED',
    trackingNumber: tracking ?? order.trackingNumber,
  };
  const lines = (await linesByOrderIds(tx, [id])).get(id) ?? [];
  await appendOutbox(
    tx,
    OutboxEventType.OrderFulfilled,
    orderEventPayload(fulfilled, lines, { trackingNumber: fulfilled.trackingNumber }),
  );
  await appendOutbox(tx, OutboxEventType.StoreEvent, orderChangedEvent(fulfilled));
  return { kind: 'changed', order: fulfilled };
}
