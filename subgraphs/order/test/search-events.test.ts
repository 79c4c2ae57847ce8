/**
 * What the order service tells the search service, through its outbox: `search.order_placed`
 * with each placed order (in checkout's transaction), and `search.stock_changed` with every
 * other stock change (a cancel giving stock back, `inventorySet`, `inventoryInitialize` when a
 * product is created), each in the transaction of its change, so the event exists if and only
 * if the change committed. Over the order subgraph with its real neighbours (see
 * test/support/order-harness.ts) and the test PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../../../common/identity';
import {
  admin,
  anonymous,
  shopper,
  startOrderHarness,
  type OrderHarness,
} from '../../../test/support/order-harness';
import {
  cancelOrder,
  checkout,
  checkoutInput,
  createCart,
  createProduct,
  dataOf,
  fulfilOrder,
  orderOf,
  placeOrder,
  readOrder,
  refundOrder,
  searchEventsOfProduct,
  stockOf,
  type UserErrorShape,
} from './scenario';

let h: OrderHarness;

beforeAll(async () => {
  h = await startOrderHarness({ gateway: false });
});

afterAll(async () => {
  await h?.stop();
});

const stockChanged = (...productIds: string[]) => ({
  type: 'search.stock_changed',
  payload: { productIds },
});

const InventorySet = `mutation ($variantId: ID!, $quantity: Int!) {
  inventorySet(variantId: $variantId, quantity: $quantity) {
    variant { id quantityAvailable }
    userErrors { code field message }
  }
}`;
const InventoryInitialize = `mutation ($productId: ID!, $levels: [InventoryLevelInput!]!) {
  inventoryInitialize(productId: $productId, levels: $levels)
}`;

type InventorySetData = {
  inventorySet: {
    variant: { id: string; quantityAvailable: number } | null;
    userErrors: UserErrorShape[];
  };
};

const inventorySet = (variantId: string, quantity: number, viewer: Viewer = admin) =>
  h.call<InventorySetData>(h.order, InventorySet, { variantId, quantity }, viewer);

const inventoryInitialize = (
  productId: string,
  levels: { variantId: string; quantity: number }[],
  viewer: Viewer = admin,
) =>
  h.call<{ inventoryInitialize: number }>(
    h.order,
    InventoryInitialize,
    { productId, levels },
    viewer,
  );

/**
 * Makes the outbox refuse `search.stock_changed` for these products (a trigger raising an
 * error), so the transaction that appends it fails at that point; returns what removes it.
 */
async function refuseStockChangedFor(productIds: string[]): Promise<() => Promise<void>> {
  const name = `refuse_search_${process.pid}_${randomUUID().slice(0, 8)}`;
  const ids = productIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ');
  await h.db.query(
    `CREATE FUNCTION public.${name}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.payload->'productIds' ?| ARRAY[${ids}]::text[] THEN
         RAISE EXCEPTION 'the outbox refuses this event (test)';
       END IF;
       RETURN NEW;
     END $$`,
  );
  await h.db.query(
    `CREATE TRIGGER ${name} BEFORE INSERT ON orders.outbox FOR EACH ROW
       WHEN (NEW.type = 'search.stock_changed') EXECUTE FUNCTION public.${name}()`,
  );
  return async () => {
    await h.db.query(`DROP TRIGGER IF EXISTS ${name} ON orders.outbox`);
    await h.db.query(`DROP FUNCTION IF EXISTS public.${name}()`);
  };
}

describe('search.order_placed', () => {
  it("is appended once with a signed-in shopper's order: its lines, owner and time, and no stock event", async () => {
    const owner = shopper();
    const lamp = await createProduct(h, [
      { price: '12.00', quantity: 10 },
      { price: '14.00', quantity: 10 },
    ]);
    const bulb = await createProduct(h, [{ price: '3.00', quantity: 10 }]);
    const cartId = await createCart(
      h,
      [
        { variantId: bulb.variants[0].id, quantity: 4 },
        { variantId: lamp.variants[1].id, quantity: 1 },
        { variantId: lamp.variants[0].id, quantity: 2 },
      ],
      owner,
    );
    const input = checkoutInput({ cartId, email: 'owner@example.com' });

    const order = await placeOrder(h, input, owner);
    // A retry with the same key answers with the same order and appends nothing.
    expect((await placeOrder(h, input, owner)).id).toBe(order.id);

    const placed = {
      type: 'search.order_placed',
      payload: {
        orderId: order.id,
        ownerSub: owner.sub,
        placedAt: order.createdAt,
        lines: [
          { productId: bulb.id, variantId: bulb.variants[0].id, quantity: 4 },
          { productId: lamp.id, variantId: lamp.variants[1].id, quantity: 1 },
          { productId: lamp.id, variantId: lamp.variants[0].id, quantity: 2 },
        ],
      },
    };
    // Creating each product changed its stock; the checkout itself only placed the order (the
    // search service refreshes the stock of an order's products itself).
    expect(await searchEventsOfProduct(h, lamp.id)).toEqual([stockChanged(lamp.id), placed]);
    expect(await searchEventsOfProduct(h, bulb.id)).toEqual([stockChanged(bulb.id), placed]);
    expect(new Date(order.createdAt).toISOString()).toBe(order.createdAt);
  });

  it("has no owner for a guest's order", async () => {
    const { order, product, variant } = await orderOf(h, { quantity: 3 });
    expect(await searchEventsOfProduct(h, product.id)).toEqual([
      stockChanged(product.id),
      {
        type: 'search.order_placed',
        payload: {
          orderId: order.id,
          ownerSub: null,
          placedAt: order.createdAt,
          lines: [{ productId: product.id, variantId: variant.id, quantity: 3 }],
        },
      },
    ]);
  });

  it('is not appended when the card is declined or the stock is short: it rolls back with the order', async () => {
    const product = await createProduct(h, [
      { price: '8.00', quantity: 5 },
      { price: '9.00', quantity: 2 },
    ]);
    const [plenty, scarce] = product.variants;

    const declined = dataOf(
      await checkout(
        h,
        checkoutInput({
          cartId: await createCart(h, [{ variantId: plenty.id, quantity: 1 }]),
          paymentToken: 'tok_chargeDeclined',
        }),
      ),
    ).checkout;
    expect(declined.userErrors.map((e) => e.code)).toEqual(['PAYMENT_DECLINED']);

    // A cart of two, and then the back office counts only one left.
    const shortCart = await createCart(h, [
      { variantId: plenty.id, quantity: 1 },
      { variantId: scarce.id, quantity: 2 },
    ]);
    dataOf(await inventorySet(scarce.id, 1));
    const short = dataOf(await checkout(h, checkoutInput({ cartId: shortCart }))).checkout;
    expect(short.userErrors.map((e) => e.code)).toEqual(['INSUFFICIENT_STOCK']);

    // The product's creation and the count changed its stock; no order was placed.
    expect(await searchEventsOfProduct(h, product.id)).toEqual([
      stockChanged(product.id),
      stockChanged(product.id),
    ]);
    expect(await stockOf(h, plenty.id)).toBe(5);
  });
});

describe('search.stock_changed', () => {
  it('is appended when a product is created with its stock, and not again when nothing new is given stock', async () => {
    const product = await createProduct(h, [
      { price: '5.00', quantity: 3 },
      { price: '6.00', quantity: 0 },
    ]);
    expect(await searchEventsOfProduct(h, product.id)).toEqual([stockChanged(product.id)]);

    // The product service retrying its call: the variants have their stock, nothing changes.
    const again = await inventoryInitialize(
      product.id,
      product.variants.map((v) => ({ variantId: v.id, quantity: 99 })),
    );
    expect(dataOf(again)).toEqual({ inventoryInitialize: 0 });
    expect(await searchEventsOfProduct(h, product.id)).toEqual([stockChanged(product.id)]);

    // A new variant of it given stock is a change.
    const variantId = randomUUID();
    expect(dataOf(await inventoryInitialize(product.id, [{ variantId, quantity: 2 }]))).toEqual({
      inventoryInitialize: 1,
    });
    expect(await searchEventsOfProduct(h, product.id)).toEqual([
      stockChanged(product.id),
      stockChanged(product.id),
    ]);
  });

  it("is appended by inventorySet with the variant's product, and not for a refused one", async () => {
    const product = await createProduct(h, [
      { price: '5.00', quantity: 3 },
      { price: '6.00', quantity: 3 },
    ]);
    const [first, second] = product.variants;

    expect(dataOf(await inventorySet(first.id, 0)).inventorySet).toEqual({
      variant: { id: first.id, quantityAvailable: 0 },
      userErrors: [],
    });
    expect(dataOf(await inventorySet(second.id, 40)).inventorySet.userErrors).toEqual([]);
    expect(await searchEventsOfProduct(h, product.id)).toEqual([
      stockChanged(product.id),
      stockChanged(product.id),
      stockChanged(product.id),
    ]);

    // Refused: a negative quantity, a variant the store does not know, a caller who is not an
    // admin. None changes stock, none appends.
    const before = await h.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM orders.outbox WHERE type = 'search.stock_changed'`,
    );
    expect(dataOf(await inventorySet(first.id, -1)).inventorySet.userErrors[0].code).toBe(
      'INVALID_INPUT',
    );
    expect(dataOf(await inventorySet(randomUUID(), 1)).inventorySet.userErrors[0].code).toBe(
      'NOT_FOUND',
    );
    expect((await inventorySet(first.id, 5, shopper())).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
    const after = await h.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM orders.outbox WHERE type = 'search.stock_changed'`,
    );
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect(await stockOf(h, first.id)).toBe(0);
  });

  it('is appended once by a cancel, with the distinct products of its lines, sorted', async () => {
    const owner = shopper();
    const a = await createProduct(h, [
      { price: '10.00', quantity: 5 },
      { price: '11.00', quantity: 5 },
    ]);
    const b = await createProduct(h, [{ price: '12.00', quantity: 5 }]);
    const cartId = await createCart(
      h,
      [
        { variantId: a.variants[0].id, quantity: 1 },
        { variantId: b.variants[0].id, quantity: 2 },
        { variantId: a.variants[1].id, quantity: 1 },
      ],
      owner,
    );
    const order = await placeOrder(h, { cartId }, owner);

    // Asked six times at once: cancelled (and stock given back) once, so one event.
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => cancelOrder(h, order.id, owner)),
    );
    expect(replies.filter((r) => dataOf(r).orderCancel.order?.status === 'CANCELLED')).toHaveLength(
      1,
    );

    const { rows } = await h.db.query<{ payload: unknown }>(
      `SELECT payload FROM orders.outbox
        WHERE type = 'search.stock_changed' AND payload->'productIds' ?& $1::text[]`,
      [[a.id, b.id]],
    );
    expect(rows.map((r) => r.payload)).toEqual([{ productIds: [a.id, b.id].sort() }]);
    expect(await stockOf(h, b.variants[0].id)).toBe(5);
  });

  it('is not appended by fulfilment or a refund: they leave the stock as it is', async () => {
    const shipped = await orderOf(h);
    expect(
      dataOf(await fulfilOrder(h, shipped.order.id, 'TRACK-1')).orderFulfill.userErrors,
    ).toEqual([]);
    const refunded = await orderOf(h);
    expect(dataOf(await refundOrder(h, refunded.order.id)).orderRefund.userErrors).toEqual([]);

    for (const { product } of [shipped, refunded]) {
      expect((await searchEventsOfProduct(h, product.id)).map((e) => e.type)).toEqual([
        'search.stock_changed',
        'search.order_placed',
      ]);
    }
  });
});

describe('a stock change and its event commit together', () => {
  it('leaves the stock as it was when inventorySet cannot append its event', async () => {
    const product = await createProduct(h, [{ price: '5.00', quantity: 3 }]);
    const variantId = product.variants[0].id;
    const restore = await refuseStockChangedFor([product.id]);
    try {
      const reply = await inventorySet(variantId, 30);
      expect(reply.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await stockOf(h, variantId)).toBe(3);
    } finally {
      await restore();
    }
    expect(await searchEventsOfProduct(h, product.id)).toEqual([stockChanged(product.id)]);

    expect(dataOf(await inventorySet(variantId, 30)).inventorySet.userErrors).toEqual([]);
    expect(await stockOf(h, variantId)).toBe(30);
    expect(await searchEventsOfProduct(h, product.id)).toEqual([
      stockChanged(product.id),
      stockChanged(product.id),
    ]);
  });

  it('creates no stock when inventoryInitialize cannot append its event', async () => {
    const productId = randomUUID();
    const variantId = randomUUID();
    const restore = await refuseStockChangedFor([productId]);
    try {
      const reply = await inventoryInitialize(productId, [{ variantId, quantity: 4 }]);
      expect(reply.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await stockOf(h, variantId)).toBeNull();
    } finally {
      await restore();
    }
    expect(await searchEventsOfProduct(h, productId)).toEqual([]);

    // The product service's retry goes through.
    expect(dataOf(await inventoryInitialize(productId, [{ variantId, quantity: 4 }]))).toEqual({
      inventoryInitialize: 1,
    });
    expect(await stockOf(h, variantId)).toBe(4);
    expect(await searchEventsOfProduct(h, productId)).toEqual([stockChanged(productId)]);
  });

  it('keeps the order paid and its stock taken when a cancel cannot append its event', async () => {
    const { order, product, variant } = await orderOf(h, { quantity: 2, stock: 6 });
    const restore = await refuseStockChangedFor([product.id]);
    try {
      const reply = await cancelOrder(h, order.id);
      expect(reply.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await stockOf(h, variant.id)).toBe(4);
      expect(dataOf(await readOrder(h, order.id)).order?.status).toBe('PAID');
    } finally {
      await restore();
    }
    expect((await searchEventsOfProduct(h, product.id)).map((e) => e.type)).toEqual([
      'search.stock_changed',
      'search.order_placed',
    ]);

    // Asked again, the cancel goes through (the refund's key makes the provider's refund once).
    const { orderCancel } = dataOf(await cancelOrder(h, order.id, anonymous));
    expect(orderCancel.order?.status).toBe('CANCELLED');
    expect(await stockOf(h, variant.id)).toBe(6);
    expect(await searchEventsOfProduct(h, product.id)).toEqual([
      stockChanged(product.id),
      expect.objectContaining({ type: 'search.order_placed' }),
      stockChanged(product.id),
    ]);
  });
});
