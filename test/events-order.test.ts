/**
 * Domain events end to end: an order placed through the gateway reaches the topic from the order
 * service's outbox after it commits, and from there the audit queue (every event, once each by
 * id), the order email (sent from the notifications queue), the search index's purchase signal
 * (from the search queue) and the analytics objects in S3 (`events/dt=<day>/`).
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CartCreateDocument, CheckoutDocument } from '../schema/generated/operations';
import { generateCatalog } from '../dev/seed/generate';
import type { DomainEvent } from '../common/domain-events';
import { receiveEvents } from './support/domain-events';
import { testServices } from './support/services';
import { execute, startStack, type Stack } from './support/stack';
import { eventually as waitFor } from './support/eventually';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', domainEvents: true });
});
afterAll(() => stack.stop());

/** Events cross three services and two queues: a longer wait, polled less often. */
const eventually = <T>(read: () => Promise<T | undefined>) => waitFor(read, 20_000, 100);

const variant = [...generateCatalog({ products: testServices.seedProducts })]
  .flatMap((p) =>
    p.variants.map((v) => ({ id: v.id, productId: p.product.id, stock: p.stock.get(v.id) ?? 0 })),
  )
  .reverse()
  .find((v) => v.stock >= 50);

async function placeOrder(email: string) {
  if (!variant) throw new Error('no variant with stock');
  const created = await execute(stack.gatewayUrl, CartCreateDocument, {
    input: { lines: [{ variantId: variant.id, quantity: 1 }] },
  });
  const cart = created.data?.cartCreate.cart;
  if (!cart) throw new Error('no cart');
  const checkout = await execute(stack.gatewayUrl, CheckoutDocument, {
    input: {
      cartId: cart.id,
      idempotencyKey: `events-${Date.now()}`,
      paymentToken: 'tok_visa',
      email,
      shippingAddress: {
        name: 'Event Buyer',
        line1: '1 Main St',
        city: 'Springfield',
        postalCode: '12345',
        countryCode: 'US',
      },
    },
  });
  expect(checkout.data?.checkout.userErrors).toEqual([]);
  const order = checkout.data?.checkout.order;
  if (!order) throw new Error('no order');
  return order;
}

it('publishes an order placed through the gateway to the audit queue, once each by id', async () => {
  const email = `events-${Date.now()}@example.com`;
  const order = await placeOrder(email);
  const domain = stack.domainEvents;
  if (!domain) throw new Error('no domain events');

  const ofOrder = (events: DomainEvent[]) =>
    events.filter(
      (e) =>
        e.entityId === order.id ||
        (e.type === 'stock.changed' &&
          (e.data as { variantIds: string[] }).variantIds.includes(variant?.id ?? '')),
    );
  const events = ofOrder(
    await receiveEvents(
      domain.sqs,
      domain.resources.queues.audit.url,
      (got) => new Set(ofOrder(got).map((e) => e.type)).size === 2,
      { quietSeconds: 2 },
    ),
  );
  expect(events.map((e) => e.type).sort()).toEqual(['order.placed', 'stock.changed']);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  const placed = events.find((e) => e.type === 'order.placed');
  expect(placed).toEqual({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    type: 'order.placed',
    version: 1,
    occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    source: 'order',
    entityId: order.id,
    data: expect.objectContaining({
      orderId: order.id,
      number: order.number,
      email,
      ownerSub: null,
      status: 'PAID',
      total: { amount: order.total.amount, currencyCode: 'USD' },
      lines: [expect.objectContaining({ productId: variant?.productId, variantId: variant?.id })],
    }),
  });
  // The stored outbox row is the event: the id is the row's.
  const { rows } = await stack.searchPool.query<{ event_id: string }>(
    `SELECT event_id::text AS event_id FROM orders.outbox
      WHERE type = 'order.placed' AND payload->>'orderId' = $1`,
    [order.id],
  );
  expect(rows.map((r) => r.event_id)).toEqual([placed?.id]);

  // The email went out from the notifications queue, once.
  await eventually(async () => stack.mail?.messages().find((m) => m.to.includes(email)));
  expect(stack.mail?.messages().filter((m) => m.to.includes(email))).toHaveLength(1);

  // The search index recorded the purchase from its own queue.
  await eventually(async () => {
    const seen = await stack.searchPool.query(`SELECT 1 FROM orders_seen WHERE order_id = $1`, [
      order.id,
    ]);
    return seen.rowCount === 1 ? true : undefined;
  });

  // The analytics sink wrote the event to S3 under the day's partition.
  const day = placed?.occurredAt.slice(0, 10);
  const line = await eventually(async () => {
    const listed = await domain.s3.send(
      new ListObjectsV2Command({
        Bucket: domain.resources.analyticsBucket,
        Prefix: `events/dt=${day}/`,
      }),
    );
    for (const object of listed.Contents ?? []) {
      const body = await domain.s3.send(
        new GetObjectCommand({ Bucket: domain.resources.analyticsBucket, Key: object.Key }),
      );
      const text = (await body.Body?.transformToString()) ?? '';
      const found = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as DomainEvent)
        .find((e) => e.id === placed?.id);
      if (found) return { key: object.Key ?? '', found, text };
    }
    return undefined;
  });
  expect(line.key).toMatch(new RegExp(`^events/dt=${day}/[^/]+\\.ndjson$`));
  expect(line.found).toEqual(placed);
  expect(line.text.endsWith('\n')).toBe(true);
});
