/**
 * Live updates through the gateway, over both transports: the first event is the current state,
 * then one event per committed change (stock set, a checkout, a cancel; an order fulfilled and
 * refunded); who may not read is refused with no events; an expiring token ends the subscription.
 */
import { randomUUID } from 'node:crypto';
import {
  AdminInventorySetDocument,
  AdminOrderFeedDocument,
  AdminOrderFulfillDocument,
  AdminOrderRefundDocument,
  CartCreateDocument,
  CheckoutDocument,
  OrderCancelDocument,
  OrderStatusDocument,
  ProductStockDocument,
} from '../schema/generated/operations';
import { projectPath } from '../common/paths';
import { buildManifest } from '../gateway/src/trusted-documents';
import { createWatchedProduct, subscribe, type LiveClient, type Transport } from './support/live';
import { execute, startStack, type Stack } from './support/stack';
import { claimsOf, createUser, mint, type TestUser } from './support/tokens';

let stack: Stack;
let admin: TestUser;
let shopper: TestUser;
let other: TestUser;
const open: LiveClient[] = [];

beforeAll(async () => {
  [stack, admin, shopper, other] = await Promise.all([
    startStack({ cache: 'memory', privateCatalog: true, events: 'http' }),
    createUser({ admin: true }),
    createUser(),
    createUser(),
  ]);
});
afterEach(() => {
  for (const client of open.splice(0)) client.close();
});
afterAll(() => stack?.stop());

const createProduct = (quantity: number) =>
  createWatchedProduct(stack, admin.accessToken, quantity);

const auth = (user: TestUser) => ({ authorization: `Bearer ${user.accessToken}` });

async function checkout(variantId: string, user?: TestUser) {
  const headers = user ? auth(user) : {};
  const cart = await execute(
    stack.gatewayUrl,
    CartCreateDocument,
    { input: { lines: [{ variantId, quantity: 1 }] } },
    headers,
  );
  const cartId = cart.data?.cartCreate.cart?.id;
  if (!cartId) throw new Error('no cart');
  const placed = await execute(
    stack.gatewayUrl,
    CheckoutDocument,
    {
      input: {
        cartId,
        idempotencyKey: randomUUID(),
        paymentToken: 'tok_visa',
        ...(user ? {} : { email: 'live@example.com' }),
        shippingAddress: {
          name: 'Liv Updates',
          line1: '1 Stream St',
          city: 'Springfield',
          postalCode: '12345',
          countryCode: 'US',
        },
      },
    },
    headers,
  );
  const order = placed.data?.checkout.order;
  if (!order) throw new Error(`no order: ${JSON.stringify(placed)}`);
  return order;
}

const quantities = (client: LiveClient) =>
  client.events.map(
    (e) =>
      (e.data?.productStockChanged as { variants: { quantityAvailable: number }[] }).variants[0]
        .quantityAvailable,
  );

describe.each(['websocket', 'multipart'] as Transport[])('live updates over %s', (transport) => {
  const live = (document: Parameters<typeof subscribe>[2], options = {}) => {
    const client = subscribe(transport, stack.gatewayUrl, document, options);
    open.push(client);
    return client;
  };

  it('starts with the current state, then follows stock set, a checkout and a cancel', async () => {
    const { productId, variantId, slug, sku } = await createProduct(5);
    const client = live(ProductStockDocument, { variables: { productId } });
    expect((await client.event(1)).data).toEqual({
      productStockChanged: {
        id: productId,
        slug,
        title: `Live Lamp ${sku}`,
        availableForSale: true,
        variants: [{ id: variantId, sku, quantityAvailable: 5 }],
      },
    });
    const set = await execute(
      stack.gatewayUrl,
      AdminInventorySetDocument,
      { variantId, quantity: 7 },
      auth(admin),
    );
    expect(set.data?.inventorySet.userErrors).toEqual([]);
    await client.event(2);
    const order = await checkout(variantId);
    await client.event(3);
    const cancelled = await execute(stack.gatewayUrl, OrderCancelDocument, { id: order.id });
    expect(cancelled.data?.orderCancel.userErrors).toEqual([]);
    await client.event(4);
    expect(quantities(client)).toEqual([5, 7, 6, 7]);
  });

  it("follows a shopper's order as it is fulfilled and refunded, for them and for admins", async () => {
    const { variantId } = await createProduct(3);
    const order = await checkout(variantId, shopper);
    const mine = live(OrderStatusDocument, {
      variables: { id: order.id },
      token: shopper.accessToken,
    });
    const theirs = live(OrderStatusDocument, {
      variables: { id: order.id },
      token: admin.accessToken,
    });
    const status = (c: LiveClient, n: number) =>
      (c.events[n - 1].data?.orderStatusChanged as { status: string }).status;
    await Promise.all([mine.event(1), theirs.event(1)]);
    expect([status(mine, 1), status(theirs, 1)]).toEqual(['PAID', 'PAID']);
    const fulfilled = await execute(
      stack.gatewayUrl,
      AdminOrderFulfillDocument,
      { id: order.id, trackingNumber: 'TRACK-1' },
      auth(admin),
    );
    expect(fulfilled.data?.orderFulfill.userErrors).toEqual([]);
    await mine.event(2);
    expect(mine.events[1].data?.orderStatusChanged).toMatchObject({
      status: 'FULFILLED',
      trackingNumber: 'TRACK-1',
    });
    const refunded = await execute(
      stack.gatewayUrl,
      AdminOrderRefundDocument,
      { id: order.id, amount: '1.00' },
      auth(admin),
    );
    expect(refunded.data?.orderRefund.userErrors).toEqual([]);
    await Promise.all([mine.event(3), theirs.event(3)]);
    for (const client of [mine, theirs])
      expect(client.events[2].data?.orderStatusChanged).toMatchObject({
        payment: { status: 'PARTIALLY_REFUNDED', amountRefunded: { amount: '1.00' } },
      });
    expect(mine.errors).toEqual([]);
  });

  it('refuses another shopper and an anonymous caller, with no events', async () => {
    const { variantId } = await createProduct(3);
    const order = await checkout(variantId, shopper);
    const stranger = live(OrderStatusDocument, {
      variables: { id: order.id },
      token: other.accessToken,
    });
    const nobody = live(OrderStatusDocument, { variables: { id: order.id } });
    const feed = live(AdminOrderFeedDocument, { token: shopper.accessToken });
    await Promise.all([stranger, nobody, feed].map((c) => c.until(() => c.errors.length > 0)));
    expect(stranger.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(nobody.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(feed.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect([...stranger.events, ...nobody.events, ...feed.events]).toEqual([]);
  });

  it('gives admins the order feed: the newest order, then each order placed', async () => {
    const { variantId } = await createProduct(3);
    const feed = live(AdminOrderFeedDocument, { token: admin.accessToken });
    await feed.event(1);
    const order = await checkout(variantId);
    const placed = await feed.event(2);
    expect(placed.data?.orderPlaced).toMatchObject({
      id: order.id,
      number: order.number,
      status: 'PAID',
    });
  });

  it('runs the registered document sent by its id', async () => {
    const { productId } = await createProduct(4);
    const id = buildManifest(projectPath('schema', 'operations')).operations.find(
      (o) => o.name === 'ProductStock',
    )?.id;
    const client = live(ProductStockDocument, {
      variables: { productId },
      documentId: `sha256:${id}`,
    });
    expect(quantities({ ...client, events: [await client.event(1)] })).toEqual([4]);
    const unknown = live(ProductStockDocument, {
      variables: { productId },
      documentId: `sha256:${'0'.repeat(64)}`,
    });
    await unknown.until(() => unknown.errors.length > 0);
    expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('ends the subscription when its token expires', async () => {
    const { productId } = await createProduct(2);
    const expiresAt = Math.floor(Date.now() / 1000) + 3;
    const token = mint({ ...claimsOf(shopper.accessToken), exp: expiresAt });
    const client = live(ProductStockDocument, { variables: { productId }, token });
    await client.event(1);
    const ended = await client.ended;
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000);
    if (transport === 'websocket') expect(ended.code).toBe(4401);
    else expect(client.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});
