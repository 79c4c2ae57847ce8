/**
 * The bounds of live updates, on a gateway with tight settings: subscriptions per client address
 * across connections and transports, the idle timeout of a WebSocket holding none, and the
 * heartbeats that keep a quiet connection alive through load balancers.
 */
import { print } from 'graphql';
import WebSocket from 'ws';
import { ProductStockDocument } from '../schema/generated/operations';
import { createWatchedProduct, subscribe, wsUrl, type LiveClient } from './support/live';
import { startEdgeGateway, type EdgeGateway } from './support/edge';
import { startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

let stack: Stack;
let tight: EdgeGateway;
let tightUrl: string;
let admin: TestUser;
let productId: string;
const open: LiveClient[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  [stack, admin] = await Promise.all([
    startStack({ cache: 'memory', privateCatalog: true, responseCache: false }),
    createUser({ admin: true }),
  ]);
  tight = await startEdgeGateway(stack, {
    RATE_LIMIT_PER_ADDRESS: '0',
    RATE_LIMIT_PER_SHOPPER: '0',
    LIVE_MAX_PER_ADDRESS: '3',
    LIVE_IDLE_TIMEOUT_SECONDS: '1',
    LIVE_HEARTBEAT_SECONDS: '1',
  });
  tightUrl = tight.url;
  ({ productId } = await createWatchedProduct(stack, admin.accessToken, 3));
});
afterEach(() => {
  for (const client of open.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await tight?.close();
  await stack?.stop();
});

/** A graphql-transport-ws connection, acknowledged. */
async function connect(): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl(tightUrl), 'graphql-transport-ws');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString('utf8')) as { type: string }).type === 'connection_ack')
        resolve();
    });
    socket.on('error', reject);
  });
  return socket;
}

it('holds one client address to its most subscriptions, across connections and transports', async () => {
  const clients = [
    subscribe('websocket', tightUrl, ProductStockDocument, { variables: { productId } }),
    subscribe('websocket', tightUrl, ProductStockDocument, { variables: { productId } }),
    subscribe('multipart', tightUrl, ProductStockDocument, { variables: { productId } }),
  ];
  open.push(...clients);
  await Promise.all(clients.map((client) => client.event(1)));
  for (const transport of ['websocket', 'multipart'] as const) {
    const refused = subscribe(transport, tightUrl, ProductStockDocument, {
      variables: { productId },
    });
    open.push(refused);
    await refused.until(() => refused.errors.length > 0);
    expect({ transport, codes: refused.errors.map((e) => e.extensions?.code) }).toEqual({
      transport,
      codes: ['SUBSCRIPTION_LIMIT'],
    });
    expect(refused.events).toEqual([]);
  }
  // A subscription that ends gives its place back.
  clients[0].close();
  await clients[0].ended;
  const again = subscribe('websocket', tightUrl, ProductStockDocument, {
    variables: { productId },
  });
  open.push(again);
  await again.event(1);
  expect(again.errors).toEqual([]);
});

it('closes a WebSocket that holds no subscription for the idle timeout (4601)', async () => {
  const socket = await connect();
  const closed = await new Promise<number>((resolve) =>
    socket.on('close', (code) => resolve(code)),
  );
  expect(closed).toBe(4601);
});

it('keeps a subscribed WebSocket past the idle timeout, with pings', async () => {
  const socket = await connect();
  let pings = 0;
  socket.on('ping', () => pings++);
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: print(ProductStockDocument), variables: { productId } },
    }),
  );
  // Three heartbeats: well past the one-second idle timeout of a connection holding nothing.
  await new Promise<void>((resolve) => {
    socket.on('ping', () => pings >= 3 && resolve());
  });
  expect(closed).toBe(false);
  expect(pings).toBeGreaterThanOrEqual(3);
});
