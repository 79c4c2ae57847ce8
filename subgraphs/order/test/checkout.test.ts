/**
 * Checkout on the order subgraph, against its real neighbours (product for prices, cart for the
 * cart, user for accounts; see test/support/order-harness.ts) and the test PostgreSQL: all or
 * nothing, stock never below zero whatever the concurrency, one order and one charge per
 * idempotency key, totals to the cent, and the outbox written with the order or not at all.
 */
import { randomUUID } from 'node:crypto';
import { serviceIdentity, type Viewer } from '../../../common/identity';
import type { CartForCheckout } from '../src/cart.client';
import { SubgraphCallError } from '../../../common/subgraph-client';
import type { PaymentProvider } from '../src/payments';
import {
  anonymous,
  shopper,
  startOrderHarness,
  type OrderHarness,
} from '../../../test/support/order-harness';
import {
  address,
  cartLines,
  chargesOfCart,
  checkout,
  checkoutInput,
  codesOf,
  createCart,
  createProduct,
  dataOf,
  eventsOfCart,
  eventsOfOrder,
  ordersOfCart,
  placeOrder,
  stockOf,
} from './scenario';
import { createUser } from '../../../test/support/tokens';

/** Switches to break the cart service and the payment provider for one test. */
const faults = { cartDown: false, providerDown: false, captureDelayMs: 0 };

let h: OrderHarness;

beforeAll(async () => {
  h = await startOrderHarness({
    gateway: false,
    cartSource: (real) => ({
      async cartForCheckout(identity, cartId): Promise<CartForCheckout | null> {
        if (faults.cartDown) throw new SubgraphCallError('cart', 'ECONNREFUSED');
        return real.cartForCheckout(identity, cartId);
      },
    }),
    payments: (real): PaymentProvider => ({
      name: real.name,
      capture: async (request) => {
        if (faults.providerDown) throw new Error('connect ETIMEDOUT');
        await new Promise((resolve) => setTimeout(resolve, faults.captureDelayMs));
        return real.capture(request);
      },
      refund: (request) => real.refund(request),
    }),
  });
});

afterEach(() => {
  faults.cartDown = false;
  faults.providerDown = false;
  faults.captureDelayMs = 0;
});

afterAll(async () => {
  await h?.stop();
});

const money = (amount: string) => ({ amount, currencyCode: 'USD' });

describe('a checkout that succeeds', () => {
  it('places a paid order at the catalog prices, takes the stock, charges once and writes its events', async () => {
    const product = await createProduct(h, [
      { price: '12.34', quantity: 10 },
      { price: '3.50', quantity: 4 },
    ]);
    const [lamp, bulb] = product.variants;
    const cartId = await createCart(h, [
      { variantId: lamp.id, quantity: 2 },
      { variantId: bulb.id, quantity: 1 },
    ]);

    const reply = await checkout(
      h,
      checkoutInput({ cartId, email: '  Ada@Example.COM ', paymentToken: 'tok_visa' }),
    );

    const { order, userErrors } = dataOf(reply).checkout;
    expect(userErrors).toEqual([]);
    expect(order).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      number: expect.any(Number),
      status: 'PAID',
      createdAt: expect.any(String),
      email: 'ada@example.com',
      trackingNumber: null,
      lines: [
        {
          id: expect.any(String),
          sku: lamp.sku,
          title: product.title,
          variantTitle: lamp.title,
          quantity: 2,
          unitPrice: money('12.34'),
          totalPrice: money('24.68'),
          variant: { id: lamp.id },
        },
        {
          id: expect.any(String),
          sku: bulb.sku,
          title: product.title,
          variantTitle: bulb.title,
          quantity: 1,
          unitPrice: money('3.50'),
          totalPrice: money('3.50'),
          variant: { id: bulb.id },
        },
      ],
      // 28.18 + 4.99 shipping + 2.25 tax (8% of 28.18 = 2.2544)
      subtotal: money('28.18'),
      shipping: money('4.99'),
      tax: money('2.25'),
      total: money('35.42'),
      shippingAddress: address,
      payment: {
        status: 'CAPTURED',
        last4: '4242',
        amountCaptured: money('35.42'),
        amountRefunded: money('0.00'),
      },
      statusHistory: [{ status: 'PAID', at: expect.any(String) }],
    });
    expect(order?.number).toBeGreaterThanOrEqual(100001);

    expect(await stockOf(h, lamp.id)).toBe(8);
    expect(await stockOf(h, bulb.id)).toBe(3);
    expect(await chargesOfCart(h, cartId)).toEqual([
      { ref: expect.any(String), kind: 'capture', amount: 3542 },
    ]);
    const id = order?.id as string;
    expect(await eventsOfOrder(h, id)).toEqual([
      {
        type: 'order.placed',
        payload: {
          orderId: id,
          number: order?.number,
          email: 'ada@example.com',
          ownerSub: null,
          placedAt: order?.createdAt,
          status: 'PAID',
          total: money('35.42'),
          lines: expect.arrayContaining([
            {
              productId: product.id,
              variantId: lamp.id,
              sku: lamp.sku,
              title: `${product.title} — ${lamp.title}`,
              quantity: 2,
              unitPrice: money('12.34'),
            },
            {
              productId: product.id,
              variantId: bulb.id,
              sku: bulb.sku,
              title: `${product.title} — ${bulb.title}`,
              quantity: 1,
              unitPrice: money('3.50'),
            },
          ]),
        },
      },
      { type: 'cart.checked_out', payload: { cartId, orderId: id } },
      {
        type: 'search.order_placed',
        payload: {
          orderId: id,
          ownerSub: null,
          placedAt: order?.createdAt,
          lines: [
            { productId: product.id, variantId: lamp.id, quantity: 2 },
            { productId: product.id, variantId: bulb.id, quantity: 1 },
          ],
        },
      },
      {
        type: 'store.event',
        payload: {
          type: 'order.changed',
          orderId: id,
          ownerSub: null,
          status: 'PAID',
          placed: true,
        },
      },
    ]);
  });

  it.each([
    // [what, unit prices × quantities, subtotal, shipping, tax, total]
    ['under the free-shipping threshold', [['49.99', 1]], '49.99', '4.99', '4.00', '58.98'],
    ['exactly at the threshold ships free', [['25.00', 2]], '50.00', '0.00', '4.00', '54.00'],
    [
      'one cent under the threshold pays shipping',
      [
        ['24.99', 1],
        ['25.00', 1],
      ],
      '49.99',
      '4.99',
      '4.00',
      '58.98',
    ],
    ['above the threshold', [['19.99', 3]], '59.97', '0.00', '4.80', '64.77'],
    ['tax under half a cent rounds down', [['0.06', 1]], '0.06', '4.99', '0.00', '5.05'],
    ['tax of half a cent or more rounds up', [['0.07', 1]], '0.07', '4.99', '0.01', '5.07'],
    [
      'many lines',
      [
        ['0.99', 7],
        ['10.10', 3],
        ['1.05', 11],
      ],
      '48.78',
      '4.99',
      '3.90',
      '57.67',
    ],
  ] as const)('totals to the cent: %s', async (_what, lines, subtotal, shipping, tax, total) => {
    const product = await createProduct(
      h,
      lines.map(([price]) => ({ price, quantity: 50 })),
    );
    const cartId = await createCart(
      h,
      lines.map(([, quantity], i) => ({ variantId: product.variants[i].id, quantity })),
    );
    const order = await placeOrder(h, { cartId });
    expect({
      subtotal: order.subtotal.amount,
      shipping: order.shipping.amount,
      tax: order.tax.amount,
      total: order.total.amount,
    }).toEqual({ subtotal, shipping, tax, total });
    expect(order.payment.amountCaptured.amount).toBe(total);
  });

  it('empties the cart once the outbox delivers cart.checked_out, and a second delivery is harmless', async () => {
    const product = await createProduct(h, [{ price: '9.00', quantity: 5 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
    const order = await placeOrder(h, { cartId });
    // Placing the order does not wait for the cart service: the event is in the outbox.
    expect(await cartLines(h, cartId)).toEqual([
      { variantId: product.variants[0].id, quantity: 1 },
    ]);
    const [event] = await eventsOfCart(h, cartId);
    expect(event).toEqual({ type: 'cart.checked_out', payload: { cartId, orderId: order.id } });

    // What the dispatcher's handler does with it (at least once).
    const deliver = () =>
      h.call<{ cartCheckedOut: boolean }>(
        h.cart,
        'mutation ($id: ID!, $orderId: ID!) { cartCheckedOut(id: $id, orderId: $orderId) }',
        { id: event.payload.cartId, orderId: event.payload.orderId },
        serviceIdentity('order').viewer,
      );
    expect(dataOf(await deliver())).toEqual({ cartCheckedOut: true });
    expect(dataOf(await deliver())).toEqual({ cartCheckedOut: true });
    expect(await cartLines(h, cartId)).toEqual([]);
  });
});

describe('stock under concurrency', () => {
  it('sells exactly the 5 units there are to 30 shoppers checking out at once, and charges only the 5', async () => {
    const product = await createProduct(h, [{ price: '15.00', quantity: 5 }]);
    const variantId = product.variants[0].id;
    const carts = await Promise.all(
      Array.from({ length: 30 }, () => createCart(h, [{ variantId, quantity: 1 }])),
    );

    const replies = await Promise.all(
      carts.map((cartId, i) =>
        checkout(h, checkoutInput({ cartId, email: `buyer-${i}@example.com` })),
      ),
    );

    const results = replies.map((r) => dataOf(r).checkout);
    const placed = results.filter((r) => r.order !== null);
    const refused = results.filter((r) => r.order === null);
    expect(placed).toHaveLength(5);
    expect(refused).toHaveLength(25);
    for (const r of refused) {
      expect(r.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_STOCK']);
    }
    expect(await stockOf(h, variantId)).toBe(0);

    const orders = (await Promise.all(carts.map((c) => ordersOfCart(h, c)))).flat();
    expect(orders).toHaveLength(5);
    const charges = (await Promise.all(carts.map((c) => chargesOfCart(h, c)))).flat();
    expect(charges.map((c) => c.kind)).toEqual([
      'capture',
      'capture',
      'capture',
      'capture',
      'capture',
    ]);
    // The refused ones left nothing behind: no order, no charge, no event.
    const refusedCarts = carts.filter((_, i) => results[i].order === null);
    for (const cartId of refusedCarts) {
      expect(await ordersOfCart(h, cartId)).toEqual([]);
      expect(await chargesOfCart(h, cartId)).toEqual([]);
      expect(await eventsOfCart(h, cartId)).toEqual([]);
    }
  });

  it('says which items are short and how many are left', async () => {
    const product = await createProduct(h, [
      { price: '5.00', quantity: 2 },
      { price: '6.00', quantity: 10 },
    ]);
    const [few, many] = product.variants;
    const cartId = await createCart(h, [
      { variantId: few.id, quantity: 2 },
      { variantId: many.id, quantity: 3 },
    ]);
    // Someone else buys one of the two meanwhile.
    await placeOrder(h, { cartId: await createCart(h, [{ variantId: few.id, quantity: 1 }]) });

    const { checkout: result } = dataOf(await checkout(h, checkoutInput({ cartId })));

    expect(result.order).toBeNull();
    expect(result.userErrors).toEqual([
      {
        code: 'INSUFFICIENT_STOCK',
        field: ['input', 'cartId'],
        message: `Only 1 of ${product.title} — ${few.title} left; the cart has 2.`,
      },
    ]);
    // All or nothing: the line that had stock kept it.
    expect(await stockOf(h, many.id)).toBe(10);
    expect(await stockOf(h, few.id)).toBe(1);
  });
});

describe('idempotency', () => {
  it('answers a retry with the same key and input with the first order: one order, one charge', async () => {
    const product = await createProduct(h, [{ price: '30.00', quantity: 10 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
    const input = checkoutInput({ cartId });

    const first = dataOf(await checkout(h, input)).checkout;
    const retry = dataOf(await checkout(h, input)).checkout;
    // The same input written differently (spaces, case) is the same input.
    const again = dataOf(
      await checkout(h, { ...input, email: ` ${String(input.email).toUpperCase()} ` }),
    ).checkout;

    expect(first.order?.id).toEqual(expect.any(String));
    expect(retry).toEqual(first);
    expect(again).toEqual(first);
    expect(await ordersOfCart(h, cartId)).toHaveLength(1);
    expect(await chargesOfCart(h, cartId)).toHaveLength(1);
    expect(await stockOf(h, product.variants[0].id)).toBe(9);
    expect((await eventsOfCart(h, cartId)).map((e) => e.type)).toEqual(['cart.checked_out']);
  });

  it('places one order and charges once when identical requests race', async () => {
    const product = await createProduct(h, [{ price: '42.00', quantity: 10 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 2 }]);
    const input = checkoutInput({ cartId });
    // A slow card network: the first request still holds the key when the others arrive.
    faults.captureDelayMs = 300;

    const replies = await Promise.all(Array.from({ length: 8 }, () => checkout(h, input)));

    const results = replies.map((r) => dataOf(r).checkout);
    const ids = new Set(results.map((r) => r.order?.id));
    expect(results.every((r) => r.userErrors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
    expect([...ids][0]).toEqual(expect.any(String));
    expect(await ordersOfCart(h, cartId)).toHaveLength(1);
    expect(await chargesOfCart(h, cartId)).toHaveLength(1);
    expect(await stockOf(h, product.variants[0].id)).toBe(8);
  });

  it('places one order when a signed-in shopper races the same key from two carts', async () => {
    const buyer = shopper();
    const product = await createProduct(h, [{ price: '8.00', quantity: 10 }]);
    const variantId = product.variants[0].id;
    const key = randomUUID();
    const carts = [
      await createCart(h, [{ variantId, quantity: 1 }]),
      await createCart(h, [{ variantId, quantity: 1 }]),
    ];

    const results = (
      await Promise.all(
        carts.map((cartId) => checkout(h, checkoutInput({ cartId, idempotencyKey: key }), buyer)),
      )
    ).map((r) => dataOf(r).checkout);

    // The key is the shopper's: one of the inputs won, the other is told the key is taken.
    expect(results.map((r) => (r.order ? 'order' : r.userErrors[0].code)).sort()).toEqual([
      'IDEMPOTENCY_KEY_REUSED',
      'order',
    ]);
    expect(await stockOf(h, variantId)).toBe(9);
  });

  it('refuses the same key with another input (IDEMPOTENCY_KEY_REUSED) and places nothing more', async () => {
    const product = await createProduct(h, [{ price: '11.00', quantity: 10 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
    const input = checkoutInput({ cartId });
    await placeOrder(h, input);

    const other = dataOf(
      await checkout(h, { ...input, shippingAddress: { ...address, city: 'Cambridge' } }),
    ).checkout;
    const otherCard = dataOf(
      await checkout(h, { ...input, paymentToken: 'tok_mastercard' }),
    ).checkout;

    for (const result of [other, otherCard]) {
      expect(result).toEqual({
        order: null,
        userErrors: [
          {
            code: 'IDEMPOTENCY_KEY_REUSED',
            field: ['input', 'idempotencyKey'],
            message: expect.any(String),
          },
        ],
      });
    }
    expect(await ordersOfCart(h, cartId)).toHaveLength(1);
    expect(await chargesOfCart(h, cartId)).toHaveLength(1);
  });

  it('keeps keys of different shoppers apart', async () => {
    const product = await createProduct(h, [{ price: '7.00', quantity: 10 }]);
    const variantId = product.variants[0].id;
    const key = randomUUID();
    const a = await placeOrder(
      h,
      { cartId: await createCart(h, [{ variantId, quantity: 1 }]), idempotencyKey: key },
      shopper(),
    );
    const b = await placeOrder(
      h,
      { cartId: await createCart(h, [{ variantId, quantity: 1 }]), idempotencyKey: key },
      shopper(),
    );
    expect(a.id).not.toBe(b.id);
  });
});

describe('a declined card', () => {
  it('places no order, takes no stock, charges nothing and writes no event; the key stays free', async () => {
    const product = await createProduct(h, [{ price: '19.00', quantity: 3 }]);
    const variantId = product.variants[0].id;
    const cartId = await createCart(h, [{ variantId, quantity: 2 }]);
    const input = checkoutInput({ cartId, paymentToken: 'tok_chargeDeclined' });
    const numbersBefore = await h.db.query<{ last: string }>(
      'SELECT last_value::text AS last FROM orders.order_number_seq',
    );

    const declined = dataOf(await checkout(h, input)).checkout;

    expect(declined).toEqual({
      order: null,
      userErrors: [
        {
          code: 'PAYMENT_DECLINED',
          field: ['input', 'paymentToken'],
          message: 'The card was declined. Try another card.',
        },
      ],
    });
    expect(await ordersOfCart(h, cartId)).toEqual([]);
    expect(await stockOf(h, variantId)).toBe(3);
    expect((await chargesOfCart(h, cartId)).map((c) => c.kind)).toEqual(['decline']);
    // The order and its events were written, then rolled back with the decline.
    const numbersAfter = await h.db.query<{ last: string }>(
      'SELECT last_value::text AS last FROM orders.order_number_seq',
    );
    expect(Number(numbersAfter.rows[0].last)).toBeGreaterThan(Number(numbersBefore.rows[0].last));
    expect(await eventsOfCart(h, cartId)).toEqual([]);
    expect(await cartLines(h, cartId)).toEqual([{ variantId, quantity: 2 }]);

    // The shopper tries another card under the same key: it goes through.
    const paid = await placeOrder(h, { ...input, paymentToken: 'tok_mastercard' });
    expect(paid.payment.last4).toBe('4444');
    expect(await stockOf(h, variantId)).toBe(1);
    expect((await chargesOfCart(h, cartId)).map((c) => c.kind)).toEqual(['decline', 'capture']);
  });

  it('declines tokens the test provider does not know', async () => {
    const product = await createProduct(h, [{ price: '1.00', quantity: 3 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
    const result = dataOf(
      await checkout(h, checkoutInput({ cartId, paymentToken: 'tok_unknown' })),
    ).checkout;
    expect(result.userErrors.map((e) => e.code)).toEqual(['PAYMENT_DECLINED']);
    expect(await stockOf(h, product.variants[0].id)).toBe(3);
  });
});

describe('what checkout refuses', () => {
  let variantId: string;
  beforeAll(async () => {
    variantId = (await createProduct(h, [{ price: '10.00', quantity: 100 }])).variants[0].id;
  });
  const codes = (result: { userErrors: { code: string; field: string[] | null }[] }) =>
    result.userErrors.map((e) => [e.code, e.field]);

  it('asks a guest for an email address (EMAIL_REQUIRED), and for a valid one', async () => {
    const cartId = await createCart(h, [{ variantId, quantity: 1 }]);
    for (const email of [null, '', '   ', 'not-an-email', 'a@b', 'x <y@z.com>']) {
      const result = dataOf(await checkout(h, checkoutInput({ cartId, email }))).checkout;
      expect({ email, errors: codes(result) }).toEqual({
        email,
        errors: [['EMAIL_REQUIRED', ['input', 'email']]],
      });
    }
    expect(await ordersOfCart(h, cartId)).toEqual([]);
  });

  it('needs exactly one valid shipping address (INVALID_ADDRESS)', async () => {
    const cartId = await createCart(h, [{ variantId, quantity: 1 }]);
    const cases: [Record<string, unknown>, Viewer, string[]][] = [
      [{ shippingAddress: null }, anonymous, ['input', 'shippingAddress']],
      [
        { shippingAddress: { ...address, countryCode: 'XX' } },
        anonymous,
        ['input', 'shippingAddress', 'countryCode'],
      ],
      [
        { shippingAddress: { ...address, line1: '  ' } },
        anonymous,
        ['input', 'shippingAddress', 'line1'],
      ],
      [
        { shippingAddress: { ...address, postalCode: '1'.repeat(21) } },
        anonymous,
        ['input', 'shippingAddress', 'postalCode'],
      ],
      [{ addressId: randomUUID() }, anonymous, ['input', 'addressId']],
      [{ shippingAddress: address, addressId: randomUUID() }, shopper(), ['input', 'addressId']],
    ];
    for (const [fields, viewer, field] of cases) {
      const result = dataOf(
        await checkout(h, { ...checkoutInput({ cartId }), ...fields }, viewer),
      ).checkout;
      expect({ fields, errors: codes(result) }).toEqual({
        fields,
        errors: [['INVALID_ADDRESS', field]],
      });
    }
    expect(await ordersOfCart(h, cartId)).toEqual([]);
  });

  it('does not know a cart that does not exist (CART_NOT_FOUND) and will not buy an empty one (CART_EMPTY)', async () => {
    const unknown = dataOf(
      await checkout(h, checkoutInput({ cartId: 'no-such-cart-000000000000' })),
    ).checkout;
    expect(codes(unknown)).toEqual([['CART_NOT_FOUND', ['input', 'cartId']]]);
    const empty = dataOf(
      await checkout(h, checkoutInput({ cartId: await createCart(h, []) })),
    ).checkout;
    expect(codes(empty)).toEqual([['CART_EMPTY', ['input', 'cartId']]]);
  });

  it("does not let a shopper buy another shopper's cart", async () => {
    const owner = shopper();
    const cartId = await createCart(h, [{ variantId, quantity: 1 }], owner);
    for (const viewer of [shopper(), anonymous]) {
      const result = dataOf(await checkout(h, checkoutInput({ cartId }), viewer)).checkout;
      expect(codes(result)).toEqual([['CART_NOT_FOUND', ['input', 'cartId']]]);
    }
    const mine = await placeOrder(h, { cartId }, owner);
    expect(mine.status).toBe('PAID');
  });

  it('rejects a malformed idempotency key or token as BAD_USER_INPUT', async () => {
    const cartId = await createCart(h, [{ variantId, quantity: 1 }]);
    for (const fields of [
      { idempotencyKey: '' },
      { idempotencyKey: 'k'.repeat(201) },
      { paymentToken: ' ' },
    ]) {
      const reply = await checkout(h, checkoutInput({ cartId, ...fields }));
      expect(codesOf(reply)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('when a neighbour fails', () => {
  it('answers SUBGRAPH_UNAVAILABLE and changes nothing while the cart service is down', async () => {
    const product = await createProduct(h, [{ price: '10.00', quantity: 4 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
    faults.cartDown = true;
    const reply = await checkout(h, checkoutInput({ cartId }));
    expect(reply.data).toBeNull();
    expect(codesOf(reply)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(await ordersOfCart(h, cartId)).toEqual([]);
    expect(await stockOf(h, product.variants[0].id)).toBe(4);
  });

  it('rolls everything back when the payment provider cannot be reached', async () => {
    const product = await createProduct(h, [{ price: '10.00', quantity: 4 }]);
    const cartId = await createCart(h, [{ variantId: product.variants[0].id, quantity: 1 }]);
    faults.providerDown = true;
    const input = checkoutInput({ cartId });
    const reply = await checkout(h, input);
    expect(codesOf(reply)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(reply)).not.toMatch(/ETIMEDOUT/);
    expect(await ordersOfCart(h, cartId)).toEqual([]);
    expect(await stockOf(h, product.variants[0].id)).toBe(4);
    expect(await eventsOfCart(h, cartId)).toEqual([]);

    // The key was not used up: the retry goes through.
    faults.providerDown = false;
    expect((await placeOrder(h, input)).status).toBe('PAID');
  });
});

describe('signed-in shoppers', () => {
  const AddressAdd = `mutation ($input: AddressInput!) {
    addressAdd(input: $input) { address { id } userErrors { code } }
  }`;

  it("default to their account's email, ship to a saved address by id, and own the order", async () => {
    const account = await createUser();
    const viewer: Viewer = {
      kind: 'user',
      sub: account.sub,
      username: account.sub,
      groups: [],
      isAdmin: false,
      accessToken: account.accessToken,
    };
    const saved = dataOf(
      await h.call<{ addressAdd: { address: { id: string } } }>(
        h.user,
        AddressAdd,
        { input: { ...address, name: 'Ada at home', countryCode: 'US', region: 'NY' } },
        viewer,
      ),
    ).addressAdd.address;
    const product = await createProduct(h, [{ price: '60.00', quantity: 5 }]);
    const cartId = await createCart(
      h,
      [{ variantId: product.variants[0].id, quantity: 1 }],
      viewer,
    );

    // Someone else's address id is not theirs to use.
    const foreign = dataOf(
      await checkout(
        h,
        checkoutInput({ cartId, email: null, shippingAddress: null, addressId: randomUUID() }),
        viewer,
      ),
    ).checkout;
    expect(foreign.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_ADDRESS', ['input', 'addressId']],
    ]);

    const order = await placeOrder(
      h,
      { cartId, email: null, shippingAddress: null, addressId: saved.id },
      viewer,
    );
    expect(order.email).toBe(account.email.toLowerCase());
    expect(order.shippingAddress).toEqual({
      ...address,
      name: 'Ada at home',
      countryCode: 'US',
      region: 'NY',
    });
    const { rows } = await h.db.query('SELECT owner_sub FROM orders.orders WHERE id = $1', [
      order.id,
    ]);
    expect(rows).toEqual([{ owner_sub: account.sub }]);
  });
});
