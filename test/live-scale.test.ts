/**
 * Live updates across gateway replicas and under a slow client: two gateways over one Redis both
 * deliver a change; a subscriber that stops reading is cut off (4600) while another subscriber of
 * the same selection gets every event.
 */
import { parse, print } from 'graphql';
import { AdminInventorySetDocument, ProductStockDocument } from '../schema/generated/operations';
import WebSocket from 'ws';
import {
  createWatchedProduct,
  subscribe,
  subscribeWs,
  wsUrl,
  type LiveClient,
} from './support/live';
import { startEdgeGateway, type EdgeGateway } from './support/edge';
import { testServices } from './support/services';
import { execute, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

let stack: Stack;
let second: EdgeGateway['gateway'];
let admin: TestUser;
const open: LiveClient[] = [];

beforeAll(async () => {
  [stack, admin] = await Promise.all([
    startStack({ cache: 'memory', privateCatalog: true, events: 'redis' }),
    createUser({ admin: true }),
  ]);
  // Another replica of the gateway, over the same subgraphs and the same Redis channel.
  second = (
    await startEdgeGateway(stack, {
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PER_SHOPPER: '0',
      REDIS_URL: testServices.redisUrl,
      STORE_EVENTS_CHANNEL: stack.eventsChannel ?? '',
    })
  ).gateway;
});
afterEach(() => {
  for (const client of open.splice(0)) client.close();
});
let secondClosed = false;
afterAll(async () => {
  if (!secondClosed) await second?.close();
  await stack?.stop();
});

const auth = {
  get authorization() {
    return `Bearer ${admin.accessToken}`;
  },
};

const createProduct = (quantity: number, description = 'A lamp on two gateways.') =>
  createWatchedProduct(stack, admin.accessToken, quantity, description);

const setStock = (variantId: string, quantity: number) =>
  execute(
    stack.gatewayUrl,
    AdminInventorySetDocument,
    { variantId, quantity },
    { authorization: auth.authorization },
  );

const stockOf = (event: LiveClient['events'][number]) =>
  (event.data?.productStockChanged as { variants: { quantityAvailable: number }[] }).variants[0]
    .quantityAvailable;

it('delivers a change to subscribers of two gateways over one Redis', async () => {
  const { productId, variantId } = await createProduct(4);
  const secondUrl = `http://127.0.0.1:${second.port}/graphql`;
  const clients = [
    subscribe('websocket', stack.gatewayUrl, ProductStockDocument, { variables: { productId } }),
    subscribe('multipart', secondUrl, ProductStockDocument, { variables: { productId } }),
    subscribe('websocket', secondUrl, ProductStockDocument, { variables: { productId } }),
  ];
  open.push(...clients);
  await Promise.all(clients.map((c) => c.event(1)));
  expect((await setStock(variantId, 9)).data?.inventorySet.userErrors).toEqual([]);
  await Promise.all(clients.map((c) => c.event(2)));
  expect(clients.map((c) => c.events.map(stockOf))).toEqual([
    [4, 9],
    [4, 9],
    [4, 9],
  ]);
});

it('cuts off a subscriber that stops reading, and keeps serving the others', async () => {
  // Large events (ten copies of a 10 kB description), so the slow client's buffers fill fast.
  const { productId, variantId } = await createProduct(1, 'x'.repeat(10_000));
  const aliases = Array.from({ length: 10 }, (_, i) => `d${i}: description`).join(' ');
  const query = `subscription Big($productId: ID!) {
    productStockChanged(productId: $productId) { ${aliases} variants { quantityAvailable } }
  }`;
  const document = parse(query);
  const slow = subscribeWs(stack.gatewayUrl, document, { query, variables: { productId } });
  const fast = subscribeWs(stack.gatewayUrl, document, { query, variables: { productId } });
  open.push(slow, fast);
  await Promise.all([slow.event(1), fast.event(1)]);
  slow.socket?.pause();
  let cutOff = false;
  void slow.ended.then(() => (cutOff = true));
  const gatewayCount = () => stack.gateway.live.count();
  expect(gatewayCount()).toBe(2);
  const sent: number[] = [1];
  // Bounded: far more than a paused client's buffers hold at 100 kB an event.
  for (let quantity = 2; quantity <= 300 && gatewayCount() > 1; quantity++) {
    expect((await setStock(variantId, quantity)).data?.inventorySet.userErrors).toEqual([]);
    sent.push(quantity);
    await fast.event(sent.length);
  }
  // The gateway let the slow subscriber go; the fast one got every change, in order.
  expect(gatewayCount()).toBe(1);
  expect(fast.events.map(stockOf)).toEqual(sent);
  slow.socket?.resume();
  expect((await slow.ended).code).toBe(4600);
  expect(cutOff).toBe(true);
  // What it had been sent before the cut, in order, and nothing after it.
  expect(slow.events.map(stockOf)).toEqual(sent.slice(0, slow.events.length));
});

it('answers a subscription sent as a plain request with 400', async () => {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: print(ProductStockDocument),
      variables: { productId: 'any' },
    }),
  });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
  expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_REQUEST']);
});

it('completes every subscription when the gateway shuts down, then closes (1001)', async () => {
  const { productId } = await createProduct(2);
  const secondUrl = `http://127.0.0.1:${second.port}/graphql`;
  const ws = subscribe('websocket', secondUrl, ProductStockDocument, { variables: { productId } });
  const multipart = subscribe('multipart', secondUrl, ProductStockDocument, {
    variables: { productId },
  });
  open.push(ws, multipart);
  await Promise.all([ws.event(1), multipart.event(1)]);
  expect(second.live.count()).toBe(2);
  secondClosed = true;
  await second.close();
  expect(await ws.ended).toEqual({ completed: true, code: 1001 });
  expect(await multipart.ended).toEqual({ completed: true, code: null });
});

it('refuses a subscription beyond the most one connection may hold', async () => {
  const { productId } = await createProduct(2);
  const socket = new WebSocket(wsUrl(stack.gatewayUrl), 'graphql-transport-ws');
  const replies = new Map<string, string[]>();
  let acked: () => void = () => undefined;
  const ack = new Promise<void>((resolve) => (acked = resolve));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as {
      id?: string;
      type: string;
      payload?: { extensions?: { code?: string } }[];
    };
    if (message.type === 'connection_ack') acked();
    if (!message.id) return;
    const seen = replies.get(message.id) ?? [];
    seen.push(
      message.type === 'error' ? String(message.payload?.[0]?.extensions?.code) : message.type,
    );
    replies.set(message.id, seen);
  });
  try {
    await ack;
    const limit = 25; // LIVE_MAX_PER_CONNECTION's default
    for (let i = 1; i <= limit + 1; i++)
      socket.send(
        JSON.stringify({
          id: String(i),
          type: 'subscribe',
          payload: { query: print(ProductStockDocument), variables: { productId } },
        }),
      );
    const deadline = Date.now() + 20_000;
    while (replies.size < limit + 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const codes = [...replies.values()].map((r) => r[0]);
    expect(codes.filter((c) => c === 'next')).toHaveLength(limit);
    expect(codes.filter((c) => c === 'SUBSCRIPTION_LIMIT')).toHaveLength(1);
  } finally {
    socket.close();
  }
});
