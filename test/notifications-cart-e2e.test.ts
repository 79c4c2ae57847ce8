/**
 * `cart.checked_out` delivered to the real cart subgraph (served over a cart table of its own,
 * with real product and order subgraphs for prices and stock): the outbox dispatcher with the
 * order service's handlers empties the cart the order was placed from, and delivering the event
 * again changes nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRedisCache, type SharedCache } from '../common/cache';
import { createDynamoClient } from '../common/dynamo';
import type { RunningServer } from '../common/http';
import { createPool } from '../common/postgres';
import { serveSubgraph } from '../common/subgraph';
import { subgraphCatalog } from '../subgraphs/cart/src/product.client';
import {
  anonymousViewer,
  call,
  ops,
  seededVariants,
  serveCart,
  silentLogger,
  type CartData,
  type CartUnderTest,
  type PayloadData,
} from '../subgraphs/cart/test/support';
import { createNotificationHandlers, startOutboxDispatcher } from '../subgraphs/order/src/outbox';
import { createOrderSubgraph } from '../subgraphs/order/src/server';
import { createProductSubgraph } from '../subgraphs/product/src/server';
import { createOutboxSchema, noMail } from './support/outbox';
import { dynamoEndpoint, testDatabaseUrl, testServices } from './support/services';

const secret = randomBytes(32).toString('base64url');
const dynamo = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
const pool = createPool(testDatabaseUrl(), { max: 5 });
const schema = `notify_e2e_${process.pid}_${Date.now().toString(36)}`;
let redis: SharedCache;
let order: RunningServer;
let product: RunningServer;
let cart: CartUnderTest;

beforeAll(async () => {
  await createOutboxSchema(pool, schema);

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
      cache: redis.namespace(`test:notify-e2e:${process.pid}:${Date.now()}:`),
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
    tablePrefix: 'notify-cart',
  });
});

afterAll(async () => {
  await Promise.allSettled([cart?.close(), product?.close(), order?.close()]);
  await redis?.close();
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
  dynamo.destroy();
});

async function deliverDue(): Promise<void> {
  const dispatcher = startOutboxDispatcher({
    pool,
    schema,
    handlers: createNotificationHandlers({
      mailer: noMail,
      cartUrl: cart.url,
      searchUrl: 'http://127.0.0.1:1/graphql',
      identitySecret: secret,
      logger: silentLogger,
    }),
    logger: silentLogger,
    pollIntervalMs: 60_000,
  });
  try {
    await dispatcher.drain();
  } finally {
    await dispatcher.stop();
  }
}

async function readCart(id: string): Promise<CartData | null> {
  const reply = await call<{ cart: CartData | null }>(
    cart.url,
    secret,
    ops.cart,
    { id },
    anonymousViewer,
  );
  expect(reply.errors).toBeUndefined();
  return reply.data?.cart ?? null;
}

it('empties the cart the order was placed from, once, however often the event is delivered', async () => {
  const { plenty } = await seededVariants(
    subgraphCatalog({
      product: { url: product.url, identitySecret: secret },
      order: { url: order.url, identitySecret: secret },
    }),
    40,
  );
  const created = await call<{ cartCreate: PayloadData }>(
    cart.url,
    secret,
    ops.create,
    { input: { lines: [{ variantId: plenty[0].id, quantity: 2 }] } },
    anonymousViewer,
  );
  expect(created.data?.cartCreate.userErrors).toEqual([]);
  const cartId = created.data?.cartCreate.cart?.id ?? '';
  expect((await readCart(cartId))?.totalQuantity).toBe(2);

  const { rows } = await pool.query<{ event_id: string }>(
    `INSERT INTO ${schema}.outbox (type, payload) VALUES ('cart.checked_out', $1) RETURNING event_id::text`,
    [JSON.stringify({ cartId, orderId: randomUUID() })],
  );
  await deliverDue();

  const emptied = await readCart(cartId);
  expect(emptied?.lines).toEqual([]);
  expect(emptied?.totalQuantity).toBe(0);

  // The shopper fills the cart again; the same event delivered again must not empty it.
  const refilled = await call<{ cartLinesAdd: PayloadData }>(
    cart.url,
    secret,
    ops.add,
    { cartId, lines: [{ variantId: plenty[1].id, quantity: 1 }] },
    anonymousViewer,
  );
  expect(refilled.data?.cartLinesAdd.userErrors).toEqual([]);
  await pool.query(`UPDATE ${schema}.outbox SET delivered_at = NULL WHERE event_id = $1`, [
    rows[0].event_id,
  ]);
  await deliverDue();

  const { rows: after } = await pool.query<{ delivered: boolean; attempts: number }>(
    `SELECT delivered_at IS NOT NULL AS delivered, attempts FROM ${schema}.outbox WHERE event_id = $1`,
    [rows[0].event_id],
  );
  expect(after[0]).toEqual({ delivered: true, attempts: 0 });
  expect((await readCart(cartId))?.totalQuantity).toBe(1);
});
