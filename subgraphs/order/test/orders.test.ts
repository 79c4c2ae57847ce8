/**
 * Orders after checkout: who may read them, the shopper's and the back office's listings, and
 * cancel, fulfil and refund (with row locks, so concurrent changes cannot refund more than was
 * charged or give stock back twice). Most tests call the order subgraph directly with a signed
 * identity; the contract's operations run end to end through the gateway, with real Cognito
 * tokens, over a supergraph composed from the subgraphs as they are now.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../../../common/identity';
import { projectPath } from '../../../common/paths';
import {
  admin,
  anonymous,
  shopper,
  startOrderHarness,
  type OrderHarness,
} from '../../../test/support/order-harness';
import {
  cancelOrder,
  chargesOfCart,
  checkoutInput,
  codesOf,
  createCart,
  createProduct,
  dataOf,
  eventsOfOrder,
  fulfilOrder,
  orderOf,
  placeOrder,
  readOrder,
  refundOrder,
  refundsOfCharge,
  stockOf,
  type OrderShape,
} from './scenario';
import { createUser, type TestUser } from '../../../test/support/tokens';

let h: OrderHarness;

beforeAll(async () => {
  h = await startOrderHarness();
});

afterAll(async () => {
  await h?.stop();
});

const money = (amount: string) => ({ amount, currencyCode: 'USD' });
const statuses = (order: OrderShape | null | undefined) =>
  order?.statusHistory.map((change) => change.status);

describe('reading an order', () => {
  it('shows an order placed signed in to its owner and admins, and to nobody else', async () => {
    const owner = shopper();
    const { order } = await orderOf(h, { viewer: owner });

    expect(dataOf(await readOrder(h, order.id, owner)).order).toEqual(order);
    expect(dataOf(await readOrder(h, order.id, admin)).order).toEqual(order);

    const other = await readOrder(h, order.id, shopper());
    expect(other.data).toEqual({ order: null });
    expect(codesOf(other)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(other.errors)).not.toContain(order.email);

    const stranger = await readOrder(h, order.id, anonymous);
    expect(stranger.data).toEqual({ order: null });
    expect(codesOf(stranger)).toEqual(['UNAUTHENTICATED']);
  });

  it('shows a guest order to whoever holds its id', async () => {
    const { order } = await orderOf(h);
    for (const viewer of [anonymous, shopper(), admin]) {
      expect(dataOf(await readOrder(h, order.id, viewer)).order?.id).toBe(order.id);
    }
  });

  it('answers null, without an error, for an id that names no order', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', "1' OR '1'='1"]) {
      const reply = await readOrder(h, id, admin);
      expect(reply).toEqual({ status: 200, data: { order: null } });
    }
  });
});

describe("a shopper's orders (User.orders)", () => {
  const UserOrders = `query ($r: [_Any!]!, $first: Int!, $after: String) {
    _entities(representations: $r) {
      ... on User {
        id
        orders(first: $first, after: $after) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { id number status } }
          nodes { id }
        }
      }
    }
  }`;
  interface UserOrdersData {
    _entities: {
      id: string;
      orders: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
        edges: { cursor: string; node: { id: string; number: number; status: string } }[];
        nodes: { id: string }[];
      } | null;
    }[];
  }
  const ordersOf = (userId: string, viewer: Viewer, first: number, after: string | null = null) =>
    h.call<UserOrdersData>(
      h.order,
      UserOrders,
      { r: [{ __typename: 'User', id: userId }], first, after },
      viewer,
    );

  it('lists them newest first, page by page, each once, with the total', async () => {
    const buyer = shopper();
    const product = await createProduct(h, [{ price: '3.00', quantity: 50 }]);
    const placed: OrderShape[] = [];
    for (let i = 0; i < 5; i++) {
      const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
      placed.push(await placeOrder(h, { cartId }, buyer));
    }
    // Someone else's orders are not in the list.
    await orderOf(h, { viewer: shopper() });

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const reply: Awaited<ReturnType<typeof ordersOf>> = await ordersOf(
        buyer.sub,
        buyer,
        2,
        after,
      );
      const page = dataOf(reply)._entities[0].orders;
      if (!page) throw new Error('no orders');
      expect(page.totalCount).toBe(5);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(page.nodes.map((n) => n.id)).toEqual(page.edges.map((e) => e.node.id));
      seen.push(...page.edges.map((e) => e.node.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(placed.map((o) => o.id).reverse());
  });

  it('shows them to the shopper and admins only', async () => {
    const buyer = shopper();
    await orderOf(h, { viewer: buyer });
    expect(dataOf(await ordersOf(buyer.sub, admin, 10))._entities[0].orders?.totalCount).toBe(1);

    const other = await ordersOf(buyer.sub, shopper(), 10);
    expect(other.data?._entities[0].orders).toBeNull();
    expect(codesOf(other)).toEqual(['FORBIDDEN']);
    expect(codesOf(await ordersOf(buyer.sub, anonymous, 10))).toEqual(['UNAUTHENTICATED']);
  });

  it('rejects a page size above 100 and a cursor it did not issue', async () => {
    const buyer = shopper();
    expect(codesOf(await ordersOf(buyer.sub, buyer, 101))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await ordersOf(buyer.sub, buyer, 10, 'bm9wZQ'))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the back office listing (orders)', () => {
  const AdminOrders = `query ($status: OrderStatus, $first: Int!, $after: String) {
    orders(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id status }
    }
  }`;
  interface AdminOrdersData {
    orders: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes: { id: string; status: string }[];
    };
  }
  const list = (
    status: string | null,
    first: number,
    after: string | null,
    viewer: Viewer = admin,
  ) => h.call<AdminOrdersData>(h.order, AdminOrders, { status, first, after }, viewer);

  it('walks every order of a status exactly once while new ones are being written', async () => {
    // Some cancelled orders to find, then a walk while more are placed and cancelled.
    const mine: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { order } = await orderOf(h);
      dataOf(await cancelOrder(h, order.id));
      mine.push(order.id);
    }
    const { totalCount } = dataOf(await list('CANCELLED', 0, null)).orders;
    expect(totalCount).toBeGreaterThanOrEqual(4);

    let writing = true;
    const writer = (async () => {
      while (writing) {
        const { order } = await orderOf(h);
        await cancelOrder(h, order.id);
      }
    })();
    const seen: string[] = [];
    let after: string | null = null;
    try {
      for (;;) {
        const page: AdminOrdersData['orders'] = dataOf(await list('CANCELLED', 3, after)).orders;
        expect(page.nodes.every((n) => n.status === 'CANCELLED')).toBe(true);
        seen.push(...page.nodes.map((n) => n.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
    } finally {
      writing = false;
      await writer;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(mine));
    // Newest first: the last of mine comes before the first of mine.
    expect(seen.indexOf(mine[3])).toBeLessThan(seen.indexOf(mine[0]));
  });

  it('reads a page of orders with their lines, payments and history in one query per kind', async () => {
    for (let i = 0; i < 5; i++) await orderOf(h);
    const Page = `query { orders(first: 5) { totalCount nodes {
      id lines { sku quantity } payment { status } statusHistory { status }
    } } }`;
    h.queries.count = 0;
    const page = dataOf(
      await h.call<{ orders: { nodes: { lines: unknown[] }[] } }>(h.order, Page, {}, admin),
    ).orders;
    expect(page.nodes).toHaveLength(5);
    expect(page.nodes.every((n) => n.lines.length > 0)).toBe(true);
    // The page, its count, then lines, payments and histories: one batch each.
    expect(h.queries.count).toBe(5);
  });

  it('is for admins only', async () => {
    expect(codesOf(await list(null, 5, null, shopper()))).toEqual(['FORBIDDEN']);
    expect(codesOf(await list(null, 5, null, anonymous))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await list(null, 500, null))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('orderCancel', () => {
  it('refunds in full, gives the stock back, sets CANCELLED and writes one event', async () => {
    const owner = shopper();
    const { order, variant, cartId } = await orderOf(h, {
      viewer: owner,
      price: '20.00',
      quantity: 3,
      stock: 10,
    });
    expect(await stockOf(h, variant.id)).toBe(7);

    const { orderCancel } = dataOf(await cancelOrder(h, order.id, owner));

    expect(orderCancel.userErrors).toEqual([]);
    const cancelled = orderCancel.order;
    expect(cancelled?.status).toBe('CANCELLED');
    expect(statuses(cancelled)).toEqual(['PAID', 'CANCELLED']);
    // 60.00 + 0 shipping (free from 50.00) + 4.80 tax
    expect(cancelled?.payment).toEqual({
      status: 'REFUNDED',
      last4: '4242',
      amountCaptured: money('64.80'),
      amountRefunded: money('64.80'),
    });
    expect(await stockOf(h, variant.id)).toBe(10);
    const [charge] = await chargesOfCart(h, cartId);
    expect(await refundsOfCharge(h, charge.ref)).toEqual([6480]);
    const events = await eventsOfOrder(h, order.id);
    expect(events.map((e) => e.type)).toEqual([
      'order.placed',
      'cart.checked_out',
      'search.order_placed',
      'store.event',
      'order.cancelled',
      'store.event',
    ]);
    expect(events[5].payload).toEqual({
      type: 'order.changed',
      orderId: order.id,
      ownerSub: owner.kind === 'user' ? owner.sub : null,
      status: 'CANCELLED',
      placed: false,
    });
    expect(events[4].payload).toMatchObject({
      status: 'CANCELLED',
      refundedAmount: money('64.80'),
      total: money('64.80'),
    });
  });

  it('cancels once however many times it is asked at once', async () => {
    const { order, variant } = await orderOf(h, { quantity: 2, stock: 5 });
    const replies = await Promise.all(Array.from({ length: 6 }, () => cancelOrder(h, order.id)));
    const results = replies.map((r) => dataOf(r).orderCancel);
    expect(results.filter((r) => r.order?.status === 'CANCELLED')).toHaveLength(1);
    expect(results.filter((r) => r.userErrors[0]?.code === 'ORDER_NOT_CANCELLABLE')).toHaveLength(
      5,
    );
    expect(await stockOf(h, variant.id)).toBe(5);
    expect(
      (await eventsOfOrder(h, order.id)).filter((e) => e.type === 'order.cancelled'),
    ).toHaveLength(1);
  });

  it('refunds only what is left of a partly refunded order', async () => {
    const { order, cartId } = await orderOf(h, { price: '10.00', quantity: 1 });
    // 10.00 + 4.99 + 0.80 = 15.79
    dataOf(await refundOrder(h, order.id, '5.00'));
    const cancelled = dataOf(await cancelOrder(h, order.id)).orderCancel.order;
    expect(cancelled?.payment.amountRefunded).toEqual(money('15.79'));
    const [charge] = await chargesOfCart(h, cartId);
    expect(await refundsOfCharge(h, charge.ref)).toEqual([500, 1079]);
  });

  it('is not possible once the order is fulfilled, cancelled or refunded (ORDER_NOT_CANCELLABLE)', async () => {
    const fulfilled = (await orderOf(h)).order;
    dataOf(await fulfilOrder(h, fulfilled.id, 'TRACK-1'));
    const refunded = (await orderOf(h)).order;
    dataOf(await refundOrder(h, refunded.id));
    const cancelled = (await orderOf(h)).order;
    dataOf(await cancelOrder(h, cancelled.id));

    for (const { id } of [fulfilled, refunded, cancelled]) {
      expect(dataOf(await cancelOrder(h, id)).orderCancel).toEqual({
        order: null,
        userErrors: [{ code: 'ORDER_NOT_CANCELLABLE', field: ['id'], message: expect.any(String) }],
      });
    }
    expect(dataOf(await cancelOrder(h, randomUUID())).orderCancel.userErrors[0].code).toBe(
      'ORDER_NOT_CANCELLABLE',
    );
  });

  it("is the owner's (and admins'): another shopper is FORBIDDEN and changes nothing", async () => {
    const owner = shopper();
    const { order, variant } = await orderOf(h, { viewer: owner });
    const before = await stockOf(h, variant.id);

    const other = await cancelOrder(h, order.id, shopper());
    expect(other.data).toBeNull();
    expect(codesOf(other)).toEqual(['FORBIDDEN']);
    expect(codesOf(await cancelOrder(h, order.id, anonymous))).toEqual(['UNAUTHENTICATED']);
    expect(dataOf(await readOrder(h, order.id, owner)).order?.status).toBe('PAID');
    expect(await stockOf(h, variant.id)).toBe(before);

    expect(dataOf(await cancelOrder(h, order.id, admin)).orderCancel.order?.status).toBe(
      'CANCELLED',
    );
  });
});

describe('orderFulfill', () => {
  it('ships a paid order with its tracking number and writes one event', async () => {
    const { order } = await orderOf(h);
    const { orderFulfill } = dataOf(await fulfilOrder(h, order.id, '  1Z999AA10123456784 '));
    expect(orderFulfill.userErrors).toEqual([]);
    expect(orderFulfill.order).toMatchObject({
      status: 'FULFILLED',
      trackingNumber: '1Z999AA10123456784',
    });
    expect(statuses(orderFulfill.order)).toEqual(['PAID', 'FULFILLED']);
    const events = await eventsOfOrder(h, order.id);
    expect(events.map((e) => e.type)).toEqual([
      'order.placed',
      'cart.checked_out',
      'search.order_placed',
      'store.event',
      'order.fulfilled',
      'store.event',
    ]);
    expect(events[5].payload).toMatchObject({ type: 'order.changed', status: 'FULFILLED' });
    expect(events[4].payload).toMatchObject({
      status: 'FULFILLED',
      trackingNumber: '1Z999AA10123456784',
    });
  });

  it('refuses what is not a paid order, and ids it does not know', async () => {
    const { order } = await orderOf(h);
    dataOf(await fulfilOrder(h, order.id));
    expect(dataOf(await fulfilOrder(h, order.id)).orderFulfill.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['id'], message: expect.stringMatching(/fulfilled/) },
    ]);
    expect(dataOf(await fulfilOrder(h, randomUUID())).orderFulfill.userErrors).toEqual([
      { code: 'NOT_FOUND', field: ['id'], message: expect.any(String) },
    ]);
    expect(
      dataOf(await fulfilOrder(h, order.id, 'x'.repeat(101))).orderFulfill.userErrors[0],
    ).toMatchObject({ code: 'INVALID_INPUT', field: ['trackingNumber'] });
  });

  it('is for admins only', async () => {
    const owner = shopper();
    const { order } = await orderOf(h, { viewer: owner });
    expect(codesOf(await fulfilOrder(h, order.id, null, owner))).toEqual(['FORBIDDEN']);
    expect(codesOf(await fulfilOrder(h, order.id, null, anonymous))).toEqual(['UNAUTHENTICATED']);
    expect(dataOf(await readOrder(h, order.id, owner)).order?.status).toBe('PAID');
  });
});

describe('orderRefund', () => {
  it('refunds part, then the rest; never more than was charged', async () => {
    // 2 × 20.00 = 40.00, + 4.99 shipping + 3.20 tax = 48.19
    const { order, cartId } = await orderOf(h, { price: '20.00', quantity: 2 });
    expect(order.total).toEqual(money('48.19'));

    const part = dataOf(await refundOrder(h, order.id, '10.00')).orderRefund;
    expect(part.userErrors).toEqual([]);
    expect(part.order?.status).toBe('PAID');
    expect(part.order?.payment).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      amountRefunded: money('10.00'),
    });

    const tooMuch = dataOf(await refundOrder(h, order.id, '38.20')).orderRefund;
    expect(tooMuch).toEqual({
      order: null,
      userErrors: [
        {
          code: 'REFUND_EXCEEDS_PAYMENT',
          field: ['amount'],
          message: 'At most 38.19 USD of this payment is left to refund.',
        },
      ],
    });

    const rest = dataOf(await refundOrder(h, order.id)).orderRefund;
    expect(rest.order?.status).toBe('REFUNDED');
    expect(rest.order?.payment).toMatchObject({
      status: 'REFUNDED',
      amountRefunded: money('48.19'),
    });
    expect(statuses(rest.order)).toEqual(['PAID', 'REFUNDED']);

    expect(dataOf(await refundOrder(h, order.id, '0.01')).orderRefund.userErrors[0]).toMatchObject({
      code: 'REFUND_EXCEEDS_PAYMENT',
      message: 'This payment has been refunded in full already.',
    });
    const [charge] = await chargesOfCart(h, cartId);
    expect(await refundsOfCharge(h, charge.ref)).toEqual([1000, 3819]);
    const events = (await eventsOfOrder(h, order.id)).filter((e) => e.type === 'order.refunded');
    expect(events.map((e) => [e.payload.status, e.payload.refundedAmount])).toEqual([
      ['PAID', money('10.00')],
      ['REFUNDED', money('38.19')],
    ]);
  });

  it('lets concurrent refunds give back no more than the capture', async () => {
    // 50.00 ships free; + 4.00 tax = 54.00; 20.00 at a time fits twice.
    const { order, cartId } = await orderOf(h, { price: '25.00', quantity: 2 });
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => refundOrder(h, order.id, '20.00')),
    );
    const results = replies.map((r) => dataOf(r).orderRefund);
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(2);
    expect(results.filter((r) => r.userErrors[0]?.code === 'REFUND_EXCEEDS_PAYMENT')).toHaveLength(
      4,
    );
    const now = dataOf(await readOrder(h, order.id, admin)).order;
    expect(now?.payment).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      amountRefunded: money('40.00'),
    });
    const [charge] = await chargesOfCart(h, cartId);
    expect(await refundsOfCharge(h, charge.ref)).toEqual([2000, 2000]);
  });

  it('takes an amount with at most two decimals, more than zero', async () => {
    const { order } = await orderOf(h);
    for (const amount of ['0', '0.00', '-1.00', 'abc', '1.234', '']) {
      expect(dataOf(await refundOrder(h, order.id, amount)).orderRefund.userErrors).toEqual([
        { code: 'INVALID_INPUT', field: ['amount'], message: expect.any(String) },
      ]);
    }
    expect(dataOf(await refundOrder(h, randomUUID())).orderRefund.userErrors[0].code).toBe(
      'NOT_FOUND',
    );
  });

  it('is for admins only', async () => {
    const owner = shopper();
    const { order } = await orderOf(h, { viewer: owner });
    expect(codesOf(await refundOrder(h, order.id, null, owner))).toEqual(['FORBIDDEN']);
    expect(codesOf(await refundOrder(h, order.id, null, anonymous))).toEqual(['UNAUTHENTICATED']);
  });
});

// ---- the contract, end to end through the gateway ---------------------------------------------

// schema/operations holds the contract's operations that are served (test/schema.test.ts keeps
// it in step with ../shared/contract).
const contract = (file: string) => readFileSync(projectPath('schema', 'operations', file), 'utf8');

describe('the contract operations through the gateway', () => {
  const orders = contract('orders.graphql');
  const backoffice = contract('backoffice.graphql');
  let buyer: TestUser;
  let other: TestUser;
  let boss: TestUser;

  beforeAll(async () => {
    [buyer, other, boss] = await Promise.all([
      createUser(),
      createUser(),
      createUser({ admin: true }),
    ]);
  });

  const run = <T>(
    document: string,
    operationName: string,
    variables: Record<string, unknown>,
    token?: string,
  ) => h.viaGateway<T>(document, variables, token, operationName);

  it('checks out a guest, shows the order with its catalog data, and cancels it', async () => {
    const product = await createProduct(h, [{ price: '12.00', quantity: 5 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 2 }]);

    const placed = await run<{
      checkout: {
        order: OrderShape & {
          lines: { variant: { product: { slug: string; featuredImage: { url: string } } } }[];
        };
        userErrors: unknown[];
      };
    }>(orders, 'Checkout', { input: checkoutInput({ cartId }) });
    const order = dataOf(placed).checkout.order;
    expect(dataOf(placed).checkout.userErrors).toEqual([]);
    expect(order.lines[0].variant).toEqual({
      id: product.variants[0].id,
      product: {
        slug: product.slug,
        featuredImage: { url: expect.stringContaining('https://') },
      },
    });
    expect(order.total).toEqual(money('30.91')); // 24.00 + 4.99 + 1.92

    const read = dataOf(await run<{ order: { id: string } }>(orders, 'Order', { id: order.id }));
    expect(read.order.id).toBe(order.id);

    const cancelled = dataOf(
      await run<{ orderCancel: { order: { id: string; status: string }; userErrors: unknown[] } }>(
        orders,
        'OrderCancel',
        { id: order.id },
      ),
    ).orderCancel;
    expect(cancelled).toEqual({ order: { id: order.id, status: 'CANCELLED' }, userErrors: [] });
  });

  it("keeps a signed-in shopper's order to them: another shopper gets null and FORBIDDEN, and it is in me.orders", async () => {
    const product = await createProduct(h, [{ price: '5.00', quantity: 5 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
    const placed = dataOf(
      await run<{ checkout: { order: { id: string; email: string } } }>(
        orders,
        'Checkout',
        { input: checkoutInput({ cartId, email: null }) },
        buyer.accessToken,
      ),
    ).checkout.order;
    expect(placed.email).toBe(buyer.email.toLowerCase());

    const theirs = await run<{ order: unknown }>(
      orders,
      'Order',
      { id: placed.id },
      other.accessToken,
    );
    expect(theirs.data).toEqual({ order: null });
    expect(codesOf(theirs)).toEqual(['FORBIDDEN']);

    const mine = await h.viaGateway<{
      me: {
        orders: { totalCount: number; nodes: { id: string; status: string; total: unknown }[] };
      };
    }>(
      `query { me { orders(first: 10) { totalCount pageInfo { hasNextPage endCursor } nodes { id number status createdAt total { amount currencyCode } } } } }`,
      {},
      buyer.accessToken,
    );
    expect(dataOf(mine).me.orders.nodes.map((n) => n.id)).toContain(placed.id);
    const theirList = dataOf(
      await h.viaGateway<{ me: { orders: { totalCount: number } } }>(
        `query { me { orders(first: 10) { totalCount } } }`,
        {},
        other.accessToken,
      ),
    ).me.orders;
    expect(theirList.totalCount).toBe(0);
  });

  it('runs the back office: list, fulfil, refund', async () => {
    const { order } = await orderOf(h, { price: '30.00', quantity: 1 });
    const listed = dataOf(
      await run<{
        orders: {
          totalCount: number;
          nodes: { id: string; number: number; status: string; email: string; total: unknown }[];
        };
      }>(backoffice, 'AdminOrders', { status: 'PAID', first: 100 }, boss.accessToken),
    ).orders;
    expect(listed.totalCount).toBeGreaterThan(0);

    const fulfilled = dataOf(
      await run<{ orderFulfill: { order: { status: string }; userErrors: unknown[] } }>(
        backoffice,
        'AdminOrderFulfill',
        { id: order.id, trackingNumber: 'TRACK-42' },
        boss.accessToken,
      ),
    ).orderFulfill;
    expect(fulfilled).toEqual({ order: { id: order.id, status: 'FULFILLED' }, userErrors: [] });

    const refunded = dataOf(
      await run<{ orderRefund: unknown }>(
        backoffice,
        'AdminOrderRefund',
        { id: order.id, amount: '5.00' },
        boss.accessToken,
      ),
    ).orderRefund;
    expect(refunded).toEqual({
      order: {
        id: order.id,
        status: 'FULFILLED',
        payment: { status: 'PARTIALLY_REFUNDED', amountRefunded: money('5.00') },
      },
      userErrors: [],
    });

    const denied = await run(backoffice, 'AdminOrderRefund', { id: order.id }, buyer.accessToken);
    expect(codesOf(denied)).toEqual(['FORBIDDEN']);
  });
});
