/**
 * The cart subgraph, served as in production and called the way the gateway calls it (with a
 * signed identity), over a cart table of its own. Prices come from a real product subgraph over
 * the seeded catalog, stock from a real order subgraph over the test PostgreSQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRedisCache, type SharedCache } from '../../../common/cache';
import { createDynamoClient } from '../../../common/dynamo';
import type { RunningServer } from '../../../common/http';
import type { Viewer } from '../../../common/identity';
import { formatMinorUnits } from '../../../common/money';
import { createPool } from '../../../common/postgres';
import { serveSubgraph } from '../../../common/subgraph';
import { createOrderSubgraph } from '../../order/src/server';
import { subgraphCatalog } from '../src/product.client';
import { createProductSubgraph } from '../../product/src/server';
import {
  anonymousViewer,
  call,
  ops,
  orderService,
  seededVariants,
  serveCart,
  shopper,
  silentLogger,
  type CartData,
  type CartUnderTest,
  type PayloadData,
  type Reply,
  type SeededVariant,
} from './support';
import { dynamoEndpoint, testDatabaseUrl, testServices } from '../../../test/support/services';

const secret = randomBytes(32).toString('base64url');
const dynamo = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
const pool = createPool(testDatabaseUrl(), { max: 5 });
let redis: SharedCache;
let order: RunningServer;
let product: RunningServer;
let cart: CartUnderTest;
let plenty: SeededVariant[];
let scarce: SeededVariant[];
let soldOut: SeededVariant[];

/** PutItem requests sent to DynamoDB (one per attempt). */
const putItems: string[] = [];
dynamo.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === 'PutItemCommand') putItems.push('PutItem');
    return next(args);
  },
  { step: 'finalizeRequest', priority: 'low', name: 'cartTestPutCounter' },
);

beforeAll(async () => {
  redis = createRedisCache({ url: testServices.redisUrl, logger: silentLogger });
  order = await serveSubgraph({
    name: 'order',
    ...(await createOrderSubgraph({ pool })),
    port: 0,
    host: '127.0.0.1',
    identitySecret: secret,
    logger: silentLogger,
  });
  product = await serveSubgraph({
    name: 'product',
    ...(await createProductSubgraph({
      dynamo,
      table: testServices.catalogTable,
      cache: redis.namespace(`test:cart:${process.pid}:${Date.now()}:`),
      cacheTtlSeconds: 300,
      assetBaseUrl: 'https://cdn.test.example',
    })),
    port: 0,
    host: '127.0.0.1',
    identitySecret: secret,
    logger: silentLogger,
  });
  cart = await serveCart({
    dynamo,
    identitySecret: secret,
    productUrl: product.url.replace('localhost', '127.0.0.1'),
    orderUrl: order.url.replace('localhost', '127.0.0.1'),
    tablePrefix: 'cart-test',
  });
  ({ plenty, scarce, soldOut } = await seededVariants(
    subgraphCatalog({
      product: { url: product.url, identitySecret: secret },
      order: { url: order.url, identitySecret: secret },
    }),
  ));
});

afterAll(async () => {
  await Promise.allSettled([cart?.close(), product?.close(), order?.close()]);
  await redis?.close();
  await pool.end();
  dynamo.destroy();
});

beforeEach(() => {
  cart.clock.offsetMs = 0;
  cart.calls.reset();
});

// ---- helpers -------------------------------------------------------------------------------------

const guest = anonymousViewer;

async function send<T>(query: string, variables: Record<string, unknown>, viewer: Viewer = guest) {
  return call<T>(cart.url, secret, query, variables, viewer);
}

/** Runs a cart mutation and returns its payload, failing on GraphQL errors. */
async function mutate(
  field:
    'cartCreate' | 'cartLinesAdd' | 'cartLinesUpdate' | 'cartLinesRemove' | 'cartAssignToViewer',
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer = guest,
): Promise<PayloadData> {
  const reply = await send<Record<string, PayloadData>>(query, variables, viewer);
  expect(reply.errors).toBeUndefined();
  const result = reply.data?.[field];
  if (!result) throw new Error(`no ${field} payload`);
  return result;
}

async function read(id: string, viewer: Viewer = guest): Promise<CartData | null> {
  const reply = await send<{ cart: CartData | null }>(ops.cart, { id }, viewer);
  expect(reply.errors).toBeUndefined();
  return reply.data?.cart ?? null;
}

async function createCart(
  lines: { variantId: string; quantity: number }[],
  viewer: Viewer = guest,
): Promise<CartData> {
  const result = await mutate('cartCreate', ops.create, { input: { lines } }, viewer);
  expect(result.userErrors).toEqual([]);
  if (!result.cart) throw new Error('no cart');
  return result.cart;
}

const quantities = (c: CartData | null) =>
  Object.fromEntries((c?.lines ?? []).map((l) => [l.variant.id, l.quantity]));

const money = (minor: number) => ({ amount: formatMinorUnits(minor), currencyCode: 'USD' });

// ---- guest carts -------------------------------------------------------------------------------------

describe('a guest cart', () => {
  it('is created with an unguessable id, and expires 30 days after its last change', async () => {
    const [a, b] = [plenty[0], plenty[1]];
    const created = await createCart([
      { variantId: a.id, quantity: 2 },
      { variantId: b.id, quantity: 1 },
    ]);
    const other = await createCart([]);

    expect(created.id).toMatch(/^[A-Za-z0-9_-]{24}$/); // 144 random bits
    expect(other.id).not.toBe(created.id);
    expect(created.totalQuantity).toBe(3);
    expect(quantities(created)).toEqual({ [a.id]: 2, [b.id]: 1 });
    expect(Date.parse(created.expiresAt) - Date.parse(created.updatedAt)).toBe(30 * 86_400_000);

    const item = await cart.rawCart(created.id);
    expect(item).toMatchObject({ pk: `CART#${created.id}`, version: 1 });
    expect(item?.ttl).toBe(Math.floor(Date.parse(created.expiresAt) / 1000));
    expect(item?.ownerSub).toBeUndefined();

    cart.clock.offsetMs = 5 * 86_400_000; // five days later, the cart changes
    const added = await mutate('cartLinesAdd', ops.add, {
      cartId: created.id,
      lines: [{ variantId: a.id, quantity: 1 }],
    });
    const later = added.cart!;
    expect(Date.parse(later.updatedAt) - Date.parse(created.updatedAt)).toBeGreaterThanOrEqual(
      5 * 86_400_000,
    );
    expect(Date.parse(later.expiresAt) - Date.parse(later.updatedAt)).toBe(30 * 86_400_000);
    expect((await cart.rawCart(created.id))?.ttl).toBe(
      Math.floor(Date.parse(later.expiresAt) / 1000),
    );
  });

  it('prices every line at the current price, and sums them exactly', async () => {
    const [a, b] = [plenty[2], plenty[3]];
    const created = await createCart([
      { variantId: a.id, quantity: 3 },
      { variantId: b.id, quantity: 2 },
    ]);
    const lineA = created.lines.find((l) => l.variant.id === a.id);
    expect(lineA?.cost).toEqual({
      amountPerQuantity: money(a.price),
      subtotalAmount: money(a.price * 3),
    });
    expect(created.cost.subtotalAmount).toEqual(money(a.price * 3 + b.price * 2));
  });

  it('asks the product and order services once per request, for every variant at once', async () => {
    const lines = plenty.slice(4, 7).map((v) => ({ variantId: v.id, quantity: 1 }));
    const created = await createCart(lines);
    expect(cart.calls.variants).toEqual([lines.map((l) => l.variantId)]);
    expect(cart.calls.stock).toEqual([lines.map((l) => l.variantId)]);
    cart.calls.reset();
    const reply = await send<{ a: CartData; b: CartData }>(
      `query Two($id: ID!) { a: cart(id: $id) { totalQuantity lines { cost { subtotalAmount { amount } } } }
                             b: cart(id: $id) { cost { subtotalAmount { amount } } } }`,
      { id: created.id },
    );
    expect(reply.errors).toBeUndefined();
    expect(cart.calls.variants).toEqual([lines.map((l) => l.variantId)]);
    expect(cart.calls.stock).toEqual([]); // reading a cart never asks for stock
  });

  it("raises a line's quantity when its variant is added again", async () => {
    const v = plenty[7];
    const created = await createCart([{ variantId: v.id, quantity: 1 }]);
    const result = await mutate('cartLinesAdd', ops.add, {
      cartId: created.id,
      lines: [
        { variantId: v.id, quantity: 2 },
        { variantId: v.id, quantity: 3 },
      ],
    });
    expect(result.userErrors).toEqual([]);
    expect(result.cart?.lines).toHaveLength(1);
    expect(result.cart?.lines[0].id).toBe(created.lines[0].id);
    expect(result.cart?.lines[0].quantity).toBe(6);
    expect(result.cart?.totalQuantity).toBe(6);
  });

  it('sets quantities, and a quantity of 0 removes the line', async () => {
    const [a, b] = [plenty[8], plenty[9]];
    const created = await createCart([
      { variantId: a.id, quantity: 4 },
      { variantId: b.id, quantity: 1 },
    ]);
    const [lineA, lineB] = created.lines;
    const result = await mutate('cartLinesUpdate', ops.update, {
      cartId: created.id,
      lines: [
        { id: lineA.id, quantity: 0 },
        { id: lineB.id, quantity: 5 },
      ],
    });
    expect(result.userErrors).toEqual([]);
    expect(result.cart?.lines.map((l) => [l.id, l.quantity])).toEqual([[lineB.id, 5]]);
    expect(quantities(await read(created.id))).toEqual({ [b.id]: 5 });
  });

  it('removes lines by id', async () => {
    const [a, b, c] = [plenty[10], plenty[11], plenty[12]];
    const created = await createCart([a, b, c].map((v) => ({ variantId: v.id, quantity: 1 })));
    const result = await mutate('cartLinesRemove', ops.remove, {
      cartId: created.id,
      lineIds: [created.lines[0].id, created.lines[2].id],
    });
    expect(result.userErrors).toEqual([]);
    expect(quantities(result.cart)).toEqual({ [b.id]: 1 });
  });

  it('caps a quantity above the stock, says so, and still returns the cart', async () => {
    const low = scarce[0];
    const created = await createCart([{ variantId: plenty[13].id, quantity: 1 }]);
    const result = await mutate('cartLinesAdd', ops.add, {
      cartId: created.id,
      lines: [{ variantId: low.id, quantity: low.stock + 5 }],
    });
    expect(result.userErrors).toEqual([
      {
        code: 'INSUFFICIENT_STOCK',
        field: ['lines', '0', 'quantity'],
        message: `Only ${low.stock} of this variant can be bought now; the cart holds ${low.stock}.`,
      },
    ]);
    expect(quantities(result.cart)).toEqual({ [plenty[13].id]: 1, [low.id]: low.stock });

    // Raising the line through an update is capped the same way.
    const line = result.cart!.lines.find((l) => l.variant.id === low.id)!;
    const updated = await mutate('cartLinesUpdate', ops.update, {
      cartId: created.id,
      lines: [{ id: line.id, quantity: low.stock + 1 }],
    });
    expect(updated.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INSUFFICIENT_STOCK', ['lines', '0', 'quantity']],
    ]);
    expect(quantities(updated.cart)[low.id]).toBe(low.stock);
  });

  it('leaves a sold-out variant out, with INSUFFICIENT_STOCK', async () => {
    const gone = soldOut[0];
    const result = await mutate('cartCreate', ops.create, {
      input: { lines: [{ variantId: gone.id, quantity: 1 }] },
    });
    expect(result.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INSUFFICIENT_STOCK', ['input', 'lines', '0', 'quantity']],
    ]);
    expect(result.cart?.lines).toEqual([]);
  });

  it('refuses quantities out of range with INVALID_QUANTITY and changes nothing', async () => {
    const v = plenty[14];
    const created = await createCart([{ variantId: v.id, quantity: 2 }]);
    const before = await cart.rawCart(created.id);

    for (const quantity of [-1, 0, 1000]) {
      const result = await mutate('cartLinesAdd', ops.add, {
        cartId: created.id,
        lines: [
          { variantId: plenty[15].id, quantity: 1 },
          { variantId: v.id, quantity },
        ],
      });
      expect(result.userErrors.map((e) => [e.code, e.field])).toEqual([
        ['INVALID_QUANTITY', ['lines', '1', 'quantity']],
      ]);
      expect(quantities(result.cart)).toEqual({ [v.id]: 2 });
    }
    // A line may not grow past 999 either.
    const tooMany = await mutate('cartLinesAdd', ops.add, {
      cartId: created.id,
      lines: [{ variantId: v.id, quantity: 998 }],
    });
    expect(tooMany.userErrors.map((e) => e.code)).toEqual(['INVALID_QUANTITY']);
    const negative = await mutate('cartLinesUpdate', ops.update, {
      cartId: created.id,
      lines: [{ id: created.lines[0].id, quantity: -3 }],
    });
    expect(negative.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_QUANTITY', ['lines', '0', 'quantity']],
    ]);
    const invalidCreate = await mutate('cartCreate', ops.create, {
      input: { lines: [{ variantId: v.id, quantity: -1 }] },
    });
    expect(invalidCreate).toEqual({
      cart: null,
      userErrors: [
        {
          code: 'INVALID_QUANTITY',
          field: ['input', 'lines', '0', 'quantity'],
          message: 'The quantity must be a whole number from 1 to 999.',
        },
      ],
    });
    expect(await cart.rawCart(created.id)).toEqual(before);

    // Not a whole number: GraphQL's Int refuses it before the cart service sees it.
    const fraction = await send(ops.add, {
      cartId: created.id,
      lines: [{ variantId: v.id, quantity: 1.5 }],
    });
    expect(fraction.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await cart.rawCart(created.id)).toEqual(before);
  });

  it('answers VARIANT_NOT_FOUND for a variant the catalog does not have, and changes nothing', async () => {
    const created = await createCart([{ variantId: plenty[16].id, quantity: 1 }]);
    const before = await cart.rawCart(created.id);
    const result = await mutate('cartLinesAdd', ops.add, {
      cartId: created.id,
      lines: [
        { variantId: plenty[17].id, quantity: 1 },
        { variantId: randomUUID(), quantity: 1 },
      ],
    });
    expect(result.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['VARIANT_NOT_FOUND', ['lines', '1', 'variantId']],
    ]);
    expect(quantities(result.cart)).toEqual({ [plenty[16].id]: 1 });
    expect(await cart.rawCart(created.id)).toEqual(before);
  });

  it('answers LINE_NOT_FOUND for a line the cart does not have, and changes nothing', async () => {
    const created = await createCart([{ variantId: plenty[18].id, quantity: 1 }]);
    const before = await cart.rawCart(created.id);
    const update = await mutate('cartLinesUpdate', ops.update, {
      cartId: created.id,
      lines: [
        { id: created.lines[0].id, quantity: 3 },
        { id: 'no-such-line', quantity: 1 },
      ],
    });
    expect(update.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['LINE_NOT_FOUND', ['lines', '1', 'id']],
    ]);
    const remove = await mutate('cartLinesRemove', ops.remove, {
      cartId: created.id,
      lineIds: ['no-such-line'],
    });
    expect(remove.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['LINE_NOT_FOUND', ['lineIds', '0']],
    ]);
    expect(await cart.rawCart(created.id)).toEqual(before);
  });

  it('does not exist under an id nobody was given', async () => {
    for (const id of ['x', randomBytes(18).toString('base64url'), 'CART#../../etc']) {
      expect(await read(id)).toBeNull();
      const result = await mutate('cartLinesAdd', ops.add, {
        cartId: id,
        lines: [{ variantId: plenty[0].id, quantity: 1 }],
      });
      expect(result).toEqual({
        cart: null,
        userErrors: [
          { code: 'CART_NOT_FOUND', field: ['cartId'], message: 'There is no cart with this id.' },
        ],
      });
    }
  });

  it('is gone once it has expired, even before DynamoDB deletes it', async () => {
    const created = await createCart([{ variantId: plenty[19].id, quantity: 1 }]);
    cart.clock.offsetMs = 30 * 86_400_000 + 1_000;
    expect(await read(created.id)).toBeNull();
    const result = await mutate('cartLinesAdd', ops.add, {
      cartId: created.id,
      lines: [{ variantId: plenty[19].id, quantity: 1 }],
    });
    expect(result.userErrors.map((e) => e.code)).toEqual(['CART_NOT_FOUND']);
    expect(await cart.rawCart(created.id)).not.toBeNull(); // still stored, not served
  });

  it('takes ten concurrent adds and keeps every one of them', async () => {
    const [a, b] = [plenty[20], plenty[21]];
    const created = await createCart([]);
    putItems.length = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        mutate('cartLinesAdd', ops.add, {
          cartId: created.id,
          lines: [
            { variantId: a.id, quantity: 1 },
            ...(i % 2 === 0 ? [{ variantId: b.id, quantity: 2 }] : []),
          ],
        }),
      ),
    );
    for (const result of results) expect(result.userErrors).toEqual([]);
    const final = await read(created.id);
    expect(quantities(final)).toEqual({ [a.id]: 10, [b.id]: 10 });
    expect(final?.lines).toHaveLength(2);
    expect((await cart.rawCart(created.id))?.version).toBe(11);
    // They raced: writes that lost to another were retried on top of the winner's.
    expect(putItems.length).toBeGreaterThan(10);
  });
});

// ---- shoppers' carts ---------------------------------------------------------------------------------

describe("a signed-in shopper's cart", () => {
  it('is open to that shopper only', async () => {
    const owner = shopper();
    const created = await createCart([{ variantId: plenty[22].id, quantity: 1 }], owner);
    expect((await cart.rawCart(created.id))?.ownerSub).toBe(owner.sub);

    for (const stranger of [guest, shopper(), shopper({ admin: true })]) {
      expect(await read(created.id, stranger)).toBeNull();
      const result = await mutate(
        'cartLinesAdd',
        ops.add,
        { cartId: created.id, lines: [{ variantId: plenty[22].id, quantity: 1 }] },
        stranger,
      );
      expect(result.userErrors.map((e) => e.code)).toEqual(['CART_NOT_FOUND']);
    }
    expect(quantities(await read(created.id, owner))).toEqual({ [plenty[22].id]: 1 });
  });

  it('is one cart: cartCreate adds to it, however many arrive at once', async () => {
    const owner = shopper();
    const [a, b] = [plenty[23], plenty[24]];
    const created = await Promise.all(
      Array.from({ length: 5 }, () =>
        mutate(
          'cartCreate',
          ops.create,
          { input: { lines: [{ variantId: a.id, quantity: 1 }] } },
          owner,
        ),
      ),
    );
    const ids = new Set(created.map((r) => r.cart?.id));
    expect(ids.size).toBe(1);
    const again = await createCart([{ variantId: b.id, quantity: 2 }], owner);
    expect(again.id).toBe(created[0].cart?.id);
    expect(quantities(again)).toEqual({ [a.id]: 5, [b.id]: 2 });
  });

  it('is what the User entity answers as `cart`, for that shopper only', async () => {
    const owner = shopper();
    const representations = { r: [{ __typename: 'User', id: owner.sub }] };
    const none = await send<{ _entities: { cart: unknown }[] }>(
      ops.userCart,
      representations,
      owner,
    );
    expect(none.data?._entities).toEqual([{ id: owner.sub, cart: null }]);

    const created = await createCart([{ variantId: plenty[25].id, quantity: 3 }], owner);
    const mine = await send<{ _entities: unknown[] }>(ops.userCart, representations, owner);
    expect(mine.data?._entities).toEqual([
      { id: owner.sub, cart: { id: created.id, totalQuantity: 3 } },
    ]);
    const theirs = await send<{ _entities: unknown[] }>(ops.userCart, representations, shopper());
    expect(theirs.data?._entities).toEqual([{ id: owner.sub, cart: null }]);
  });
});

describe('cartAssignToViewer', () => {
  it("merges a guest cart into the shopper's cart, capped by stock, and deletes the guest cart", async () => {
    const owner = shopper();
    const low = scarce[1];
    const [a, b] = [plenty[26], plenty[27]];
    const own = await createCart(
      [
        { variantId: low.id, quantity: low.stock - 1 },
        { variantId: a.id, quantity: 2 },
      ],
      owner,
    );
    const guestCart = await createCart([
      { variantId: low.id, quantity: 2 },
      { variantId: a.id, quantity: 3 },
      { variantId: b.id, quantity: 1 },
    ]);

    const result = await mutate('cartAssignToViewer', ops.assign, { cartId: guestCart.id }, owner);
    expect(result.cart?.id).toBe(own.id);
    expect(quantities(result.cart)).toEqual({ [low.id]: low.stock, [a.id]: 5, [b.id]: 1 });
    expect(result.userErrors).toEqual([
      {
        code: 'INSUFFICIENT_STOCK',
        field: null,
        message: `Only ${low.stock} of this variant can be bought now; the cart holds ${low.stock}.`,
      },
    ]);

    expect(await cart.rawCart(guestCart.id)).toBeNull();
    expect(await read(guestCart.id)).toBeNull();
    const again = await mutate('cartAssignToViewer', ops.assign, { cartId: guestCart.id }, owner);
    expect(again.userErrors.map((e) => e.code)).toEqual(['CART_NOT_FOUND']);
    expect(quantities(await read(own.id, owner))).toEqual(quantities(result.cart));
  });

  it("creates the shopper's cart when they have none", async () => {
    const owner = shopper();
    const guestCart = await createCart([{ variantId: plenty[28].id, quantity: 2 }]);
    const result = await mutate('cartAssignToViewer', ops.assign, { cartId: guestCart.id }, owner);
    expect(result.userErrors).toEqual([]);
    expect(result.cart?.id).not.toBe(guestCart.id);
    expect(quantities(result.cart)).toEqual({ [plenty[28].id]: 2 });
    const users = await send<{ _entities: unknown[] }>(
      ops.userCart,
      { r: [{ __typename: 'User', id: owner.sub }] },
      owner,
    );
    expect(users.data?._entities).toEqual([
      { id: owner.sub, cart: { id: result.cart?.id, totalQuantity: 2 } },
    ]);
  });

  it('merges once when the same request arrives twice at the same time', async () => {
    const owner = shopper();
    const v = plenty[29];
    await createCart([{ variantId: v.id, quantity: 1 }], owner);
    const guestCart = await createCart([{ variantId: v.id, quantity: 2 }]);
    const results = await Promise.all(
      [1, 2].map(() => mutate('cartAssignToViewer', ops.assign, { cartId: guestCart.id }, owner)),
    );
    const merged = results.filter((r) => r.cart !== null);
    expect(merged.length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((r) => r.cart === null)) {
      expect(r.userErrors.map((e) => e.code)).toEqual(['CART_NOT_FOUND']);
    }
    expect(quantities(await read(merged[0].cart!.id, owner))).toEqual({ [v.id]: 3 });
  });

  it("is CART_NOT_FOUND for another shopper's cart, and returns the shopper's own as it is", async () => {
    const owner = shopper();
    const own = await createCart([{ variantId: plenty[30].id, quantity: 1 }], owner);
    const stranger = await mutate('cartAssignToViewer', ops.assign, { cartId: own.id }, shopper());
    expect(stranger.userErrors.map((e) => e.code)).toEqual(['CART_NOT_FOUND']);
    const self = await mutate('cartAssignToViewer', ops.assign, { cartId: own.id }, owner);
    expect(self).toEqual({ cart: own, userErrors: [] });
  });

  it('needs a signed-in shopper', async () => {
    const guestCart = await createCart([]);
    const reply = await send(ops.assign, { cartId: guestCart.id }, guest);
    expect(reply.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

// ---- internal operations for checkout ------------------------------------------------------------------

describe('checkout reads and empties carts through internal operations', () => {
  type CheckoutReply = Reply<{ cartForCheckout: unknown }>;
  const forCheckout = (id: string, viewer: Viewer): Promise<CheckoutReply> =>
    send(ops.forCheckout, { id }, viewer);
  const checkedOut = (id: string, orderId: string, viewer: Viewer) =>
    send<{ cartCheckedOut: boolean }>(ops.checkedOut, { id, orderId }, viewer);

  it("cartForCheckout gives a guest cart to anyone, a shopper's cart to that shopper only", async () => {
    const v = plenty[31];
    const guestCart = await createCart([{ variantId: v.id, quantity: 2 }]);
    for (const viewer of [guest, shopper()]) {
      expect((await forCheckout(guestCart.id, viewer)).data?.cartForCheckout).toEqual({
        id: guestCart.id,
        ownerSub: null,
        version: 1,
        lines: [{ variantId: v.id, quantity: 2 }],
      });
    }
    const owner = shopper();
    const own = await createCart([{ variantId: v.id, quantity: 1 }], owner);
    expect((await forCheckout(own.id, owner)).data?.cartForCheckout).toMatchObject({
      id: own.id,
      ownerSub: owner.sub,
      lines: [{ variantId: v.id, quantity: 1 }],
    });
    for (const stranger of [guest, shopper(), orderService]) {
      expect((await forCheckout(own.id, stranger)).data?.cartForCheckout).toBeNull();
    }
    expect((await forCheckout(randomBytes(18).toString('base64url'), guest)).data).toEqual({
      cartForCheckout: null,
    });
    cart.clock.offsetMs = 31 * 86_400_000;
    expect((await forCheckout(guestCart.id, guest)).data?.cartForCheckout).toBeNull();
  });

  it('cartCheckedOut empties the cart once per order', async () => {
    const [a, b] = [plenty[32], plenty[33]];
    const created = await createCart([{ variantId: a.id, quantity: 2 }]);
    const orderId = randomUUID();

    expect((await checkedOut(created.id, orderId, orderService)).data).toEqual({
      cartCheckedOut: true,
    });
    expect((await read(created.id))?.lines).toEqual([]);

    // The shopper goes on shopping; a redelivery of the same event must not empty the cart again.
    await mutate('cartLinesAdd', ops.add, {
      cartId: created.id,
      lines: [{ variantId: b.id, quantity: 1 }],
    });
    expect((await checkedOut(created.id, orderId, orderService)).data).toEqual({
      cartCheckedOut: true,
    });
    expect(quantities(await read(created.id))).toEqual({ [b.id]: 1 });

    // A different order empties it again; an admin may do it too.
    expect((await checkedOut(created.id, randomUUID(), shopper({ admin: true }))).data).toEqual({
      cartCheckedOut: true,
    });
    expect((await read(created.id))?.lines).toEqual([]);
  });

  it("cartCheckedOut works on a shopper's cart and answers true for an unknown one", async () => {
    const owner = shopper();
    const own = await createCart([{ variantId: plenty[34].id, quantity: 1 }], owner);
    expect((await checkedOut(own.id, randomUUID(), orderService)).data?.cartCheckedOut).toBe(true);
    expect((await read(own.id, owner))?.totalQuantity).toBe(0);
    for (const id of [randomBytes(18).toString('base64url'), 'nonsense']) {
      expect((await checkedOut(id, randomUUID(), orderService)).data?.cartCheckedOut).toBe(true);
    }
  });

  it('cartCheckedOut is for the order service (and admins) only', async () => {
    const created = await createCart([{ variantId: plenty[35].id, quantity: 1 }]);
    const anonymousReply = await checkedOut(created.id, randomUUID(), guest);
    expect(anonymousReply.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const shopperReply = await checkedOut(created.id, randomUUID(), shopper());
    expect(shopperReply.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // A shopper who puts "service" in their groups is still not a service.
    const pretender: Viewer = { ...shopper(), groups: ['service'] };
    expect(
      (await checkedOut(created.id, randomUUID(), pretender)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
    expect(quantities(await read(created.id))).toEqual({ [plenty[35].id]: 1 });
  });
});

describe('when the services it asks are down', () => {
  let cutOff: CartUnderTest;

  beforeAll(async () => {
    cutOff = await serveCart({
      dynamo,
      identitySecret: secret,
      productUrl: 'http://127.0.0.1:1/graphql',
      orderUrl: 'http://127.0.0.1:1/graphql',
      tablePrefix: 'cart-test',
      table: cart.table,
    });
  });

  afterAll(async () => {
    await cutOff?.close();
  });

  it('still shows the lines, with the prices null and SUBGRAPH_UNAVAILABLE', async () => {
    const v = plenty[36];
    const created = await createCart([{ variantId: v.id, quantity: 2 }]);
    const reply = await call<{ cart: CartData }>(
      cutOff.url,
      secret,
      ops.cart,
      { id: created.id },
      guest,
    );
    expect(reply.data?.cart).toMatchObject({
      id: created.id,
      totalQuantity: 2,
      lines: [{ id: created.lines[0].id, quantity: 2, variant: { id: v.id }, cost: null }],
      cost: { subtotalAmount: null },
    });
    expect(new Set(reply.errors?.map((e) => e.extensions?.code))).toEqual(
      new Set(['SUBGRAPH_UNAVAILABLE']),
    );
  });

  it('refuses changes it cannot check, and leaves the cart as it was', async () => {
    const v = plenty[37];
    const created = await createCart([{ variantId: v.id, quantity: 1 }]);
    const before = await cart.rawCart(created.id);
    const reply = await call(
      cutOff.url,
      secret,
      ops.add,
      { cartId: created.id, lines: [{ variantId: v.id, quantity: 1 }] },
      guest,
    );
    expect(reply.errors?.[0]).toMatchObject({
      message: 'The product service is unavailable right now.',
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    });
    expect(await cart.rawCart(created.id)).toEqual(before);
    // Lowering a quantity or removing a line needs neither service.
    const lowered = await call<{ cartLinesRemove: PayloadData }>(
      cutOff.url,
      secret,
      ops.remove,
      { cartId: created.id, lineIds: [created.lines[0].id] },
      guest,
    );
    expect(lowered.data?.cartLinesRemove.userErrors).toEqual([]);
    expect((await cart.rawCart(created.id))?.lines).toEqual([]);
  });
});

describe('the subgraph', () => {
  it('refuses requests without a signed identity', async () => {
    const response = await fetch(cart.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(401);
  });
});
