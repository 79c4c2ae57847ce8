/**
 * The warehouse's signed fulfillment webhook, through the gateway's public port: a shipment
 * marks its order shipped as `orderFulfill` does, once per shipment id; a bad signature, an old
 * timestamp and a replayed delivery are refused with their codes.
 */
import { randomBytes } from 'node:crypto';
import { signWebhook } from '../common/webhook-signature';
import { placeGuestOrder, sendWebhook } from './support/checkout';
import { startStack, type Stack } from './support/stack';

const secret = randomBytes(32).toString('base64url');
const path = '/webhooks/fulfillment';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', webhooks: { fulfillmentSecret: secret } });
});
afterAll(() => stack.stop());

async function newOrder(): Promise<string> {
  const { checkout } = await placeGuestOrder(stack.gatewayUrl, `ship-${Date.now()}@example.com`);
  const id = checkout.data?.checkout.order?.id;
  if (!id) throw new Error(`no order: ${JSON.stringify(checkout)}`);
  return id;
}

async function recorded(orderId: string) {
  const db = stack.searchPool;
  const order = await db.query<{ status: string; tracking_number: string | null }>(
    'SELECT status, tracking_number FROM orders.orders WHERE id = $1',
    [orderId],
  );
  const history = await db.query(
    `SELECT 1 FROM orders.order_status_history WHERE order_id = $1 AND status = 'FULFILLED'`,
    [orderId],
  );
  const events = await db.query(
    `SELECT 1 FROM orders.outbox WHERE type = 'order.fulfilled' AND payload->>'orderId' = $1`,
    [orderId],
  );
  return {
    ...order.rows[0],
    fulfilledHistory: history.rowCount,
    fulfilledEvents: events.rowCount,
  };
}

it('refuses a bad signature, an old timestamp and a replay, and applies a shipment once', async () => {
  const orderId = await newOrder();
  const shipment = {
    shipmentId: `shp_${randomBytes(6).toString('hex')}`,
    orderId,
    trackingNumber: '1Z999',
  };

  const forged = await sendWebhook(stack.gatewayUrl, path, 'another-secret', shipment);
  expect(forged).toEqual({
    status: 401,
    body: { error: { code: 'WEBHOOK_SIGNATURE_INVALID', message: expect.any(String) } },
  });
  const tampered = await sendWebhook(stack.gatewayUrl, path, secret, shipment, {
    raw: JSON.stringify({ ...shipment, trackingNumber: 'X' }),
    signature: signWebhook(secret, Math.floor(Date.now() / 1_000), JSON.stringify(shipment)),
  });
  expect(tampered.body.error?.code).toBe('WEBHOOK_SIGNATURE_INVALID');
  const old = await sendWebhook(stack.gatewayUrl, path, secret, shipment, {
    timestamp: Math.floor(Date.now() / 1_000) - 301,
  });
  expect(old).toEqual({
    status: 401,
    body: { error: { code: 'WEBHOOK_TIMESTAMP_EXPIRED', message: expect.any(String) } },
  });
  expect(await recorded(orderId)).toMatchObject({ status: 'PAID', fulfilledHistory: 0 });

  const timestamp = Math.floor(Date.now() / 1_000);
  const first = await sendWebhook(stack.gatewayUrl, path, secret, shipment, { timestamp });
  expect(first).toEqual({ status: 200, body: { ok: true, outcome: 'applied' } });
  expect(await recorded(orderId)).toEqual({
    status: 'FULFILLED',
    tracking_number: '1Z999',
    fulfilledHistory: 1,
    fulfilledEvents: 1,
  });

  // The very same signed request again: a replay.
  const replay = await sendWebhook(stack.gatewayUrl, path, secret, shipment, { timestamp });
  expect(replay).toEqual({
    status: 409,
    body: { error: { code: 'WEBHOOK_REPLAYED', message: expect.any(String) } },
  });
  // The warehouse sending the shipment again, freshly signed: taken, applied no second time.
  const again = await sendWebhook(stack.gatewayUrl, path, secret, shipment, {
    timestamp: timestamp + 1,
  });
  expect(again).toEqual({ status: 200, body: { ok: true, outcome: 'duplicate' } });
  expect(await recorded(orderId)).toMatchObject({ fulfilledHistory: 1, fulfilledEvents: 1 });
});

it('applies one of two deliveries of a shipment racing each other', async () => {
  const orderId = await newOrder();
  const shipment = { shipmentId: `shp_${randomBytes(6).toString('hex')}`, orderId };
  const now = Math.floor(Date.now() / 1_000);
  const results = await Promise.all([
    sendWebhook(stack.gatewayUrl, path, secret, shipment, { timestamp: now }),
    sendWebhook(stack.gatewayUrl, path, secret, shipment, { timestamp: now - 1 }),
  ]);
  expect(results.map((r) => r.body.outcome).sort()).toEqual(['applied', 'duplicate']);
  expect(await recorded(orderId)).toMatchObject({ status: 'FULFILLED', fulfilledHistory: 1 });
});

it('refuses a shipment of an unknown order or a body it cannot read, with a code', async () => {
  const unknown = await sendWebhook(stack.gatewayUrl, path, secret, {
    shipmentId: 'shp_unknown',
    orderId: '00000000-0000-4000-8000-000000000000',
  });
  expect(unknown).toEqual({
    status: 422,
    body: {
      error: { code: 'WEBHOOK_PAYLOAD_INVALID', message: 'There is no order with this id.' },
    },
  });
  const unreadable = await sendWebhook(stack.gatewayUrl, path, secret, { shipment: 1 });
  expect(unreadable.status).toBe(400);
  expect(unreadable.body.error?.code).toBe('WEBHOOK_PAYLOAD_INVALID');
  const elsewhere = await fetch(new URL('/webhooks/payments', stack.gatewayUrl), {
    method: 'POST',
  });
  expect(elsewhere.status).toBe(404);
});
