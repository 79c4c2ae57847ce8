/**
 * The payment provider's signed webhook and the orphan-charge reconciler: a report racing the
 * shopper's own checkout leaves one charge and one order (and is applied once the order
 * commits); a refund made in the provider's dashboard and a dispute reach the order and the
 * topic, each once by the provider's event id; a charge captured by a checkout whose commit then
 * failed is found and refunded, with a `payment.orphan_refunded` event and a metric.
 */
import { randomBytes } from 'node:crypto';
import { register } from 'prom-client';
import { createLogger } from '../common/logger';
import { OrphanChargeReconciler } from '../subgraphs/order/src/orphan-charge.service';
import { TestPaymentProvider, type PaymentProvider } from '../subgraphs/order/src/payments';
import { placeGuestOrder, sendWebhook } from './support/checkout';
import { receiveEvents } from './support/domain-events';
import { startStack, type Stack } from './support/stack';

const secret = randomBytes(32).toString('base64url');
const path = '/webhooks/payments';
let stack: Stack;
/** What the wrapped provider does right after a capture succeeds. */
let afterCapture: ((ref: string) => Promise<void>) | null = null;

beforeAll(async () => {
  stack = await startStack({
    cache: 'memory',
    domainEvents: true,
    webhooks: { paymentsSecret: secret },
    payments: (real): PaymentProvider => ({
      name: real.name,
      refund: (request) => real.refund(request),
      async capture(request) {
        const outcome = await real.capture(request);
        if (outcome.ok && afterCapture) await afterCapture(outcome.ref);
        return outcome;
      },
    }),
  });
});
afterEach(() => {
  afterCapture = null;
});
afterAll(() => stack.stop());

const db = () => stack.searchPool;
const reconciler = () =>
  new OrphanChargeReconciler({
    pool: db(),
    payments: new TestPaymentProvider(db()),
    logger: createLogger('test', { silent: true }),
    graceSeconds: 0,
  });
const ledger = async (ref: string) =>
  (
    await db().query<{ kind: string; amount: string }>(
      `SELECT kind, amount::text AS amount FROM orders.test_provider_charges
        WHERE ref = $1 OR charge_ref = $1 ORDER BY created_at`,
      [ref],
    )
  ).rows;
const eventId = () => `evt_${randomBytes(8).toString('hex')}`;

it('takes a capture report that races the checkout without a second charge or order', async () => {
  let report: Awaited<ReturnType<typeof sendWebhook>> | undefined;
  let chargeRef = '';
  afterCapture = async (ref) => {
    chargeRef = ref;
    // The provider reports the capture before the checkout's transaction has committed.
    report = await sendWebhook(stack.gatewayUrl, path, secret, {
      id: eventId(),
      type: 'charge.captured',
      data: { chargeRef: ref },
    });
  };
  const { cartId, checkout } = await placeGuestOrder(stack.gatewayUrl, 'race@example.com');
  const order = checkout.data?.checkout.order;
  expect(checkout.data?.checkout.userErrors).toEqual([]);
  expect(report).toEqual({ status: 202, body: { ok: true, outcome: 'pending' } });

  const captures = await db().query(
    `SELECT 1 FROM orders.test_provider_charges WHERE kind = 'capture' AND reference LIKE $1`,
    [`%(cart ${cartId})`],
  );
  expect(captures.rowCount).toBe(1);
  const orders = await db().query('SELECT id FROM orders.orders WHERE cart_id = $1', [cartId]);
  expect(orders.rows).toEqual([{ id: order?.id }]);

  // Once the order has committed, the reconciler applies the report that waited.
  expect((await reconciler().runOnce()).applied).toBeGreaterThanOrEqual(1);
  const payment = await db().query(
    `SELECT capture_confirmed_at IS NOT NULL AS confirmed FROM orders.payments WHERE provider_ref = $1`,
    [chargeRef],
  );
  expect(payment.rows).toEqual([{ confirmed: true }]);
  expect(await ledger(chargeRef)).toEqual([{ kind: 'capture', amount: expect.any(String) }]);
});

it('applies a dashboard refund and a dispute once each, and publishes them', async () => {
  const { checkout } = await placeGuestOrder(stack.gatewayUrl, 'dashboard@example.com');
  const order = checkout.data?.checkout.order;
  if (!order) throw new Error('no order');
  const { rows } = await db().query<{ ref: string; amount: string }>(
    'SELECT provider_ref AS ref, amount_captured::text AS amount FROM orders.payments WHERE order_id = $1',
    [order.id],
  );
  const { ref, amount } = rows[0];
  const refund = {
    id: eventId(),
    type: 'charge.refunded',
    data: {
      chargeRef: ref,
      refundRef: `re_${randomBytes(6).toString('hex')}`,
      amount: Number(amount),
    },
  };
  expect((await sendWebhook(stack.gatewayUrl, path, secret, refund)).body.outcome).toBe('applied');
  // The provider sending the same event again (a new delivery of it): taken once.
  const again = await sendWebhook(stack.gatewayUrl, path, secret, refund, {
    timestamp: Math.floor(Date.now() / 1_000) - 5,
  });
  expect(again.body.outcome).toBe('duplicate');
  const dispute = {
    id: eventId(),
    type: 'charge.disputed',
    data: { chargeRef: ref, reason: 'fraudulent' },
  };
  expect((await sendWebhook(stack.gatewayUrl, path, secret, dispute)).body.outcome).toBe('applied');

  const state = await db().query(
    `SELECT o.status, p.status AS payment, p.amount_refunded::text AS refunded,
            p.disputed_at IS NOT NULL AS disputed
       FROM orders.orders o JOIN orders.payments p ON p.order_id = o.id WHERE o.id = $1`,
    [order.id],
  );
  expect(state.rows).toEqual([
    { status: 'REFUNDED', payment: 'REFUNDED', refunded: amount, disputed: true },
  ]);
  const domain = stack.domainEvents;
  if (!domain) throw new Error('no domain events');
  const events = await receiveEvents(
    domain.sqs,
    domain.resources.queues.audit.url,
    (got) =>
      got.some((e) => e.type === 'payment.disputed' && e.entityId === order.id) &&
      got.some((e) => e.type === 'order.refunded' && e.entityId === order.id),
  );
  const mine = events.filter((e) => e.entityId === order.id);
  expect(mine.filter((e) => e.type === 'order.refunded')).toHaveLength(1);
  expect(mine.find((e) => e.type === 'payment.disputed')?.data).toEqual({
    orderId: order.id,
    chargeRef: ref,
    reason: 'fraudulent',
  });
});

it('refunds the charge of a checkout whose commit failed after the capture', async () => {
  let orphan = '';
  afterCapture = async (ref) => {
    orphan = ref;
    throw new Error('Connection terminated unexpectedly');
  };
  const { cartId, checkout } = await placeGuestOrder(stack.gatewayUrl, 'orphan@example.com');
  expect(checkout.data?.checkout.order ?? null).toBeNull();
  expect(checkout.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  expect(
    (await db().query('SELECT 1 FROM orders.orders WHERE cart_id = $1', [cartId])).rowCount,
  ).toBe(0);
  expect(await ledger(orphan)).toEqual([{ kind: 'capture', amount: expect.any(String) }]);

  const before =
    (await register.getSingleMetric('storefront_orphan_charges_refunded_total')?.get())?.values[0]
      ?.value ?? 0;
  const report = await reconciler().runOnce();
  expect(report.refunded).toContain(orphan);
  const [capture, refund] = await ledger(orphan);
  expect(refund).toEqual({ kind: 'refund', amount: capture.amount });
  // Found once: a second pass (another replica) refunds nothing more.
  expect((await reconciler().runOnce()).refunded).not.toContain(orphan);
  expect(await ledger(orphan)).toHaveLength(2);
  const after = (await register.getSingleMetric('storefront_orphan_charges_refunded_total')?.get())
    ?.values[0]?.value;
  expect(after).toBe(before + report.refunded.length);

  const domain = stack.domainEvents;
  if (!domain) throw new Error('no domain events');
  const events = await receiveEvents(domain.sqs, domain.resources.queues.audit.url, (got) =>
    got.some((e) => e.type === 'payment.orphan_refunded' && e.entityId === orphan),
  );
  expect(events.find((e) => e.entityId === orphan)?.data).toEqual({
    chargeRef: orphan,
    refundRef: expect.stringMatching(/^re_/),
    amount: { amount: expect.stringMatching(/^\d+\.\d{2}$/), currencyCode: 'USD' },
    reference: expect.stringContaining(`(cart ${cartId})`),
    capturedAt: expect.any(String),
  });
});
