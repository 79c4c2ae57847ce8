/**
 * What the payment provider reports asynchronously through its signed webhook (see
 * webhook.server.ts): a capture confirmed later (`charge.captured`), a dispute opened
 * (`charge.disputed`), a refund made in its dashboard (`charge.refunded`). Each report is taken
 * once by its event id and applied to the payment whose `provider_ref` is the charge:
 *
 * - captured: the payment's `capture_confirmed_at`;
 * - disputed: the payment's `disputed_at`, and a `payment.disputed` domain event;
 * - refunded: unless the refund is one the store made itself (its ref is in `payment_refunds`),
 *   it is recorded like `orderRefund` records one (the payment's refunded amount, the order
 *   REFUNDED when all of it is back, the email and the `order.refunded` event).
 *
 * A report never charges, never places an order and never changes stock. One about a charge the
 * store has no payment for yet (it raced the shopper's own checkout, which captures just before
 * it commits) waits, and `applyPendingPaymentEvents` (run by the reconciler) applies it once
 * the checkout has committed; so a webhook racing a checkout leaves one charge and one order.
 */
import type { Pool, PoolClient } from 'pg';
import { domainEvent } from '../../../common/domain-events';
import { inTransaction } from '../../../common/postgres';
import type { Order } from './domain';
import {
  appendStatusHistory,
  linesByOrderIds,
  lockOrder,
  recordRefund,
  updateOrderStatus,
} from './order.repository';
import { appendDomainEvent, ORDER_SOURCE } from './outbox/domain';
import { orderChangedEvent, orderEventPayload, OutboxEventType } from './outbox/events';
import { appendOutbox } from './outbox/outbox.repository';

export type PaymentEventType = 'charge.captured' | 'charge.disputed' | 'charge.refunded';

export interface PaymentEvent {
  /** The provider's event id: a report is taken once. */
  id: string;
  type: PaymentEventType;
  chargeRef: string;
  /** charge.refunded: the refund's own ref and amount (minor units). */
  refundRef?: string;
  amount?: number;
  /** charge.disputed: the provider's reason. */
  reason?: string;
}

export type PaymentEventOutcome = { kind: 'applied' } | { kind: 'pending' } | { kind: 'duplicate' };

const types: readonly PaymentEventType[] = [
  'charge.captured',
  'charge.disputed',
  'charge.refunded',
];

/** The report in a webhook body, or what is wrong with it. */
export function parsePaymentEvent(body: unknown): PaymentEvent | string {
  if (typeof body !== 'object' || body === null) return 'The body must be a JSON object.';
  const b = body as Record<string, unknown>;
  const data = (typeof b.data === 'object' && b.data !== null ? b.data : {}) as Record<
    string,
    unknown
  >;
  if (typeof b.id !== 'string' || b.id.length < 1 || b.id.length > 200) {
    return '"id" must be the event id, a string of 1 to 200 characters.';
  }
  if (!types.includes(b.type as PaymentEventType)) {
    return `"type" must be one of ${types.join(', ')}.`;
  }
  if (typeof data.chargeRef !== 'string' || data.chargeRef === '') {
    return '"data.chargeRef" must be the charge the event is about.';
  }
  const event: PaymentEvent = {
    id: b.id,
    type: b.type as PaymentEventType,
    chargeRef: data.chargeRef,
  };
  if (event.type === 'charge.refunded') {
    if (typeof data.refundRef !== 'string' || data.refundRef === '') {
      return '"data.refundRef" must be the refund made.';
    }
    if (typeof data.amount !== 'number' || !Number.isSafeInteger(data.amount) || data.amount < 1) {
      return '"data.amount" must be the amount refunded, in minor units.';
    }
    event.refundRef = data.refundRef;
    event.amount = data.amount;
  }
  if (typeof data.reason === 'string') event.reason = data.reason.slice(0, 200);
  return event;
}

interface PaymentRow {
  id: string;
  order_id: string;
  status: string;
  currency: string;
  amount_captured: string;
  amount_refunded: string;
  provider: string;
  provider_ref: string;
  last4: string | null;
}

/** In the delivery's transaction: takes the report once, and applies it if it can now. */
export async function receivePaymentEvent(
  tx: PoolClient,
  event: PaymentEvent,
): Promise<PaymentEventOutcome> {
  const { rowCount } = await tx.query(
    `INSERT INTO orders.payment_provider_events (event_id, type, charge_ref, payload)
     VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`,
    [event.id, event.type, event.chargeRef, JSON.stringify(event)],
  );
  if (rowCount === 0) return { kind: 'duplicate' };
  return (await applyPaymentEvent(tx, event)) ? { kind: 'applied' } : { kind: 'pending' };
}

/** Applies a taken report to its payment; false when the store has no payment for the charge. */
async function applyPaymentEvent(tx: PoolClient, event: PaymentEvent): Promise<boolean> {
  const { rows } = await tx.query<PaymentRow>(
    `SELECT id, order_id, status, currency, amount_captured::text AS amount_captured,
            amount_refunded::text AS amount_refunded, provider, provider_ref, last4
       FROM orders.payments WHERE provider_ref = $1 FOR UPDATE`,
    [event.chargeRef],
  );
  const payment = rows[0];
  if (!payment) return false;
  if (event.type === 'charge.captured') {
    await tx.query(
      `UPDATE orders.payments SET capture_confirmed_at = coalesce(capture_confirmed_at, now())
        WHERE id = $1`,
      [payment.id],
    );
  } else if (event.type === 'charge.disputed') {
    await tx.query(
      'UPDATE orders.payments SET disputed_at = coalesce(disputed_at, now()) WHERE id = $1',
      [payment.id],
    );
    await appendDomainEvent(
      tx,
      domainEvent('payment.disputed', ORDER_SOURCE, payment.order_id, {
        orderId: payment.order_id,
        chargeRef: payment.provider_ref,
        reason: event.reason ?? null,
      }),
    );
  } else {
    await applyDashboardRefund(tx, payment, event);
  }
  await tx.query(
    'UPDATE orders.payment_provider_events SET applied_at = now() WHERE event_id = $1',
    [event.id],
  );
  return true;
}

async function applyDashboardRefund(tx: PoolClient, payment: PaymentRow, event: PaymentEvent) {
  const ours = await tx.query('SELECT 1 FROM orders.payment_refunds WHERE provider_ref = $1', [
    event.refundRef,
  ]);
  if (ours.rowCount === 1) return; // the store's own refund, reported back
  const left = Number(payment.amount_captured) - Number(payment.amount_refunded);
  const amount = Math.min(event.amount ?? 0, left);
  if (amount <= 0) return;
  const order = await lockOrder(tx, payment.order_id);
  if (!order) return;
  const updated = await recordRefund(
    tx,
    {
      id: payment.id,
      orderId: payment.order_id,
      provider: payment.provider,
      providerRef: payment.provider_ref,
      status: payment.status as 'CAPTURED',
      last4: payment.last4,
      currency: payment.currency,
      amountCaptured: Number(payment.amount_captured),
      amountRefunded: Number(payment.amount_refunded),
    },
    { providerRef: event.refundRef ?? event.id, amount },
  );
  let status = order.status;
  if (updated.status === 'REFUNDED' && status !== 'REFUNDED') {
    status = 'REFUNDED';
    await updateOrderStatus(tx, order.id, status);
    await appendStatusHistory(tx, order.id, status);
  }
  const refunded: Order = { ...order, status };
  const lines = (await linesByOrderIds(tx, [order.id])).get(order.id) ?? [];
  await appendOutbox(
    tx,
    OutboxEventType.OrderRefunded,
    orderEventPayload(refunded, lines, { refundedAmount: amount }),
  );
  await appendOutbox(tx, OutboxEventType.StoreEvent, orderChangedEvent(refunded));
}

/** Applies the reports that waited for their checkout to commit; returns how many it applied. */
export async function applyPendingPaymentEvents(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ payload: PaymentEvent }>(
    `SELECT e.payload FROM orders.payment_provider_events e
       JOIN orders.payments p ON p.provider_ref = e.charge_ref
      WHERE e.applied_at IS NULL ORDER BY e.received_at LIMIT 100`,
  );
  let applied = 0;
  for (const { payload } of rows) {
    const done = await inTransaction(pool, async (tx) => {
      const claim = await tx.query(
        `SELECT 1 FROM orders.payment_provider_events
          WHERE event_id = $1 AND applied_at IS NULL FOR UPDATE SKIP LOCKED`,
        [payload.id],
      );
      return claim.rowCount === 1 && (await applyPaymentEvent(tx, payload));
    });
    if (done) applied++;
  }
  return applied;
}
