/**
 * Store events: committed changes reach every gateway over the store's event bus, pushed to the
 * gateway over HTTP (as under `npm start`, without Redis) or over Redis pub/sub (as in
 * production). A change publishes only once it commits: a declined checkout publishes nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '../common/logger';
import { IDENTITY_HEADER, anonymous, serviceIdentity, signIdentity } from '../common/identity';
import {
  createStoreEventPublisher,
  createStoreEventSubscriber,
  parseStoreEvent,
  type StoreEvent,
} from '../common/store-events';
import {
  AdminInventorySetDocument,
  AdminProductCreateDocument,
  AdminProductUpdateDocument,
  CartCreateDocument,
  CheckoutDocument,
} from '../schema/generated/operations';
import { testServices } from './support/services';
import { execute, identitySecret, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

const logger = createLogger('test', { silent: true });

/** Every event a gateway receives, and a way to wait for one. */
function recorder(stack: Stack) {
  const seen: StoreEvent[] = [];
  const stop = stack.gateway.events.subscribe((event) => seen.push(event));
  return {
    seen,
    stop,
    async next(match: (event: StoreEvent) => boolean, timeoutMs = 10_000): Promise<StoreEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such event in ${JSON.stringify(seen)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

const auth = (user: TestUser) => ({ authorization: `Bearer ${user.accessToken}` });

async function createProduct(stack: Stack, admin: TestUser, quantity: number) {
  const sku = `EV-${randomBytes(4).toString('hex')}`;
  const reply = await execute(
    stack.gatewayUrl,
    AdminProductCreateDocument,
    {
      input: {
        title: `Event Lamp ${sku}`,
        description: 'A lamp that announces itself.',
        categorySlug: 'headphones',
        variants: [{ sku, title: 'Default', price: '10.00', quantity }],
      },
    },
    auth(admin),
  );
  const product = reply.data?.productCreate.product;
  if (!product) throw new Error(`no product: ${JSON.stringify(reply)}`);
  return { productId: product.id, variantId: product.variants[0].id };
}

async function checkout(stack: Stack, variantId: string, paymentToken: string) {
  const cart = await execute(stack.gatewayUrl, CartCreateDocument, {
    input: { lines: [{ variantId, quantity: 1 }] },
  });
  const cartId = cart.data?.cartCreate.cart?.id;
  if (!cartId) throw new Error('no cart');
  return execute(stack.gatewayUrl, CheckoutDocument, {
    input: {
      cartId,
      idempotencyKey: randomUUID(),
      paymentToken,
      email: 'events@example.com',
      shippingAddress: {
        name: 'Eve Vent',
        line1: '1 Bus Lane',
        city: 'Springfield',
        postalCode: '12345',
        countryCode: 'US',
      },
    },
  });
}

describe.each(['http', 'redis'] as const)('store events over %s', (transport) => {
  let stack: Stack;
  let admin: TestUser;

  beforeAll(async () => {
    [stack, admin] = await Promise.all([
      startStack({ cache: 'memory', privateCatalog: true, events: transport }),
      createUser({ admin: true }),
    ]);
  });
  afterAll(() => stack?.stop());

  it('announces a product created and edited, with its variants, category and feed position', async () => {
    const events = recorder(stack);
    try {
      const { productId, variantId } = await createProduct(stack, admin, 5);
      const created = await events.next(
        (e) => e.type === 'product.changed' && e.productId === productId,
      );
      expect(created).toMatchObject({
        variantIds: [variantId],
        categorySlugs: ['headphones'],
        position: expect.stringMatching(new RegExp(`#${productId}$`)),
      });
      const update = await execute(
        stack.gatewayUrl,
        AdminProductUpdateDocument,
        { id: productId, input: { title: 'Event Lamp, renamed' } },
        auth(admin),
      );
      expect(update.data?.productUpdate.userErrors).toEqual([]);
      const edited = await events.next(
        (e) =>
          e.type === 'product.changed' &&
          e.productId === productId &&
          e.position > (created.type === 'product.changed' ? created.position : ''),
      );
      expect(edited.type).toBe('product.changed');
    } finally {
      events.stop();
    }
  });

  it('announces stock set in the back office, and an order with the stock it took', async () => {
    const { productId, variantId } = await createProduct(stack, admin, 3);
    const events = recorder(stack);
    try {
      const set = await execute(
        stack.gatewayUrl,
        AdminInventorySetDocument,
        { variantId, quantity: 7 },
        auth(admin),
      );
      expect(set.data?.inventorySet.userErrors).toEqual([]);
      expect(
        await events.next((e) => e.type === 'stock.changed' && e.variantIds.includes(variantId)),
      ).toEqual({ type: 'stock.changed', productIds: [productId], variantIds: [variantId] });

      const placed = await checkout(stack, variantId, 'tok_visa');
      const order = placed.data?.checkout.order;
      if (!order) throw new Error(`no order: ${JSON.stringify(placed)}`);
      expect(
        await events.next((e) => e.type === 'order.changed' && e.orderId === order.id),
      ).toEqual({
        type: 'order.changed',
        orderId: order.id,
        ownerSub: null,
        status: 'PAID',
        placed: true,
      });
      // The stock the order took: a second stock event for the variant.
      const stockEvents = () =>
        events.seen.filter((e) => e.type === 'stock.changed' && e.variantIds.includes(variantId));
      await events.next(() => stockEvents().length >= 2);
      expect(stockEvents()[1]).toEqual({
        type: 'stock.changed',
        productIds: [productId],
        variantIds: [variantId],
      });
    } finally {
      events.stop();
    }
  });

  it('announces nothing for a checkout that rolled back', async () => {
    const { variantId } = await createProduct(stack, admin, 3);
    const events = recorder(stack);
    try {
      const declined = await checkout(stack, variantId, 'tok_chargeDeclined');
      expect(declined.data?.checkout.userErrors.map((e) => e.code)).toEqual(['PAYMENT_DECLINED']);
      // An order placed after it is announced; nothing came before it for this variant.
      const placed = await checkout(stack, variantId, 'tok_visa');
      const orderId = placed.data?.checkout.order?.id;
      await events.next((e) => e.type === 'order.changed' && e.orderId === orderId);
      const orders = events.seen.filter((e) => e.type === 'order.changed');
      expect(orders.map((e) => (e.type === 'order.changed' ? e.orderId : null))).toEqual([orderId]);
    } finally {
      events.stop();
    }
  });
});

describe('the gateway endpoint that takes pushed events', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ cache: 'memory', events: 'http' });
  });
  afterAll(() => stack?.stop());

  const push = (body: unknown, identity = serviceIdentity('order')) =>
    fetch(new URL('/internal/events', stack.gatewayUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: signIdentity(identity, identitySecret),
      },
      body: JSON.stringify(body),
    });
  const stockEvent = { type: 'stock.changed', productIds: ['p'], variantIds: ['v'] };

  it('takes an event signed by another service of the store', async () => {
    const events = recorder(stack);
    try {
      expect((await push(stockEvent)).status).toBe(204);
      expect(await events.next((e) => e.type === 'stock.changed')).toEqual(stockEvent);
    } finally {
      events.stop();
    }
  });

  it('answers anyone else as if it did not exist, and refuses what is not an event', async () => {
    const events = recorder(stack);
    try {
      expect((await push(stockEvent, anonymous)).status).toBe(404);
      const unsigned = await fetch(new URL('/internal/events', stack.gatewayUrl), {
        method: 'POST',
        body: JSON.stringify(stockEvent),
      });
      expect(unsigned.status).toBe(404);
      const wrongSecret = await fetch(new URL('/internal/events', stack.gatewayUrl), {
        method: 'POST',
        headers: { [IDENTITY_HEADER]: signIdentity(serviceIdentity('order'), 'not-the-secret') },
        body: JSON.stringify(stockEvent),
      });
      expect(wrongSecret.status).toBe(404);
      expect((await push({ type: 'stock.changed', productIds: 'p' })).status).toBe(400);
      expect(events.seen).toEqual([]);
    } finally {
      events.stop();
    }
  });
});

describe('Redis pub/sub', () => {
  it('delivers every event to every subscriber of the channel', async () => {
    const channel = `store-events-${randomBytes(6).toString('hex')}`;
    const settings = { redisUrl: testServices.redisUrl, channel, identitySecret, logger };
    const [a, b] = [createStoreEventSubscriber(settings), createStoreEventSubscriber(settings)];
    const seen: [StoreEvent[], StoreEvent[]] = [[], []];
    a.subscribe((e) => seen[0].push(e));
    b.subscribe((e) => seen[1].push(e));
    const publisher = createStoreEventPublisher(settings);
    try {
      const event: StoreEvent = { type: 'stock.changed', productIds: ['p1'], variantIds: ['v1'] };
      const deadline = Date.now() + 5_000;
      while (seen.some((s) => s.length === 0) && Date.now() < deadline) {
        await publisher.publish(event); // until both subscriptions are established
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen[0][0]).toEqual(event);
      expect(seen[1][0]).toEqual(event);
    } finally {
      await Promise.all([a.close(), b.close(), publisher.close()]);
    }
  });
});

describe('parseStoreEvent', () => {
  it('takes the three kinds of event and nothing else', () => {
    expect(
      parseStoreEvent({ type: 'stock.changed', productIds: [], variantIds: [] }),
    ).not.toBeNull();
    expect(
      parseStoreEvent({
        type: 'order.changed',
        orderId: 'o',
        ownerSub: null,
        status: 'PAID',
        placed: true,
      }),
    ).not.toBeNull();
    expect(
      parseStoreEvent({
        type: 'product.changed',
        productId: 'p',
        variantIds: ['v'],
        categorySlugs: ['c'],
        position: 'x#p',
      }),
    ).not.toBeNull();
    for (const bad of [
      null,
      'stock.changed',
      { type: 'stock.changed', productIds: [1], variantIds: [] },
      { type: 'order.changed', orderId: 'o', ownerSub: null, status: 'LOST', placed: true },
      { type: 'product.deleted', productId: 'p' },
    ]) {
      expect(parseStoreEvent(bad)).toBeNull();
    }
  });
});
