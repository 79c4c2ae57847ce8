/**
 * The access log: one line per request at the gateway and at each subgraph it calls, joined by
 * the client's trace id and the request id (returned in x-request-id); client name and version;
 * never a token, a password, an email address or a variable's value. Other log lines written
 * while a request is handled carry its trace id too.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../common/logger';
import { loadGatewayConfig } from '../gateway/src/config';
import { startGateway } from '../gateway/src/server';
import { post, registered } from './support/edge';
import { cognito } from './support/services';
import { identitySecret, startStack, type Stack } from './support/stack';

type Line = Record<string, unknown>;
const lines: Line[] = [];
const logger = createLogger('test', {
  level: 'info',
  destination: { write: (text: string) => lines.push(JSON.parse(text) as Line) },
});
let stack: Stack;

const byId = (name: string, variables: Record<string, unknown>) => ({
  documentId: `sha256:${registered(name).id}`,
  variables,
});
const traceparent = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;
const accessLines = (traceId: string) =>
  lines.filter((l) => l.message === 'request' && l.traceId === traceId);

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', searchFeed: false, logger });
});
afterAll(async () => {
  await stack?.stop();
});

it('logs one line at the gateway and one at each subgraph called, with the trace and request ids', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const answer = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      traceparent: traceparent(traceId),
      'x-request-id': 'checkout-page-0001',
      'apollographql-client-name': 'storefront-ios',
      'apollographql-client-version': '3.4.1',
    },
    body: JSON.stringify(byId('ProductListing', { first: 3 })),
  });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('x-request-id')).toBe('checkout-page-0001');
  await answer.arrayBuffer();
  const seen = accessLines(traceId);
  const gateway = seen.filter((l) => l.operation === 'ProductListing');
  expect(gateway).toEqual([
    expect.objectContaining({
      level: 'info',
      requestId: 'checkout-page-0001',
      method: 'POST',
      path: '/graphql',
      status: 200,
      outcome: 'ok',
      cache: 'bypass', // this stack runs without a response cache
      clientName: 'storefront-ios',
      clientVersion: '3.4.1',
      durationMs: expect.any(Number),
    }),
  ]);
  // The subgraph's operation is the gateway's query plan fetch (`ProductListing__product__0`).
  const subgraphs = seen.filter((l) => String(l.operation).startsWith('ProductListing__'));
  expect(subgraphs.length).toBeGreaterThanOrEqual(1);
  for (const line of subgraphs)
    expect(line).toMatchObject({ requestId: 'checkout-page-0001', status: 200, outcome: 'ok' });
});

it('starts a trace and a request id when the client sends none (or a bad one)', async () => {
  const answer = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': 'not ok; has spaces',
      traceparent: '00-zzzz-bad-01',
    },
    body: JSON.stringify(byId('Categories', {})),
  });
  await answer.arrayBuffer();
  const requestId = answer.headers.get('x-request-id') ?? '';
  expect(requestId).toMatch(/^[0-9a-f]{24}$/);
  const line = lines.find((l) => l.message === 'request' && l.requestId === requestId);
  expect(line?.traceId).toMatch(/^[0-9a-f]{32}$/);
  const subgraph = lines.filter(
    (l) => l.message === 'request' && l.traceId === line?.traceId && l !== line,
  );
  expect(subgraph.length).toBeGreaterThanOrEqual(1);
});

it('never logs a token, a password, an email address or a variable', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const email = 'private.shopper@example.com';
  const password = 'Secret-password-42';
  const answer = await post(stack.gatewayUrl, byId('SignIn', { input: { email, password } }), {
    traceparent: traceparent(traceId),
    authorization: 'Bearer not.a.token',
  });
  expect(answer.status).toBe(401);
  const search = await post(
    stack.gatewayUrl,
    byId('Search', { query: 'zebra-striped', first: 1 }),
    {
      traceparent: traceparent(traceId),
    },
  );
  expect(search.status).toBe(200);
  const text = JSON.stringify(lines);
  for (const secret of [email, 'private.shopper', password, 'not.a.token', 'zebra-striped'])
    expect({ secret, logged: text.includes(secret) }).toEqual({ secret, logged: false });
  expect(accessLines(traceId).length).toBeGreaterThanOrEqual(2);
});

it("puts the request's trace id on every other line logged while handling it", async () => {
  // A gateway whose search subgraph is down: the failed fetch is logged during the request.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const subgraph = (port: number) => `http://127.0.0.1:${port}/graphql`;
  const config = loadGatewayConfig({
    PORT: '0',
    PRODUCT_SUBGRAPH_URL: subgraph(stack.product.port),
    ORDER_SUBGRAPH_URL: subgraph(stack.order.port),
    USER_SUBGRAPH_URL: subgraph(stack.user.port),
    CART_SUBGRAPH_URL: subgraph(stack.cart.port),
    SEARCH_SUBGRAPH_URL: subgraph(deadPort),
    SUBGRAPH_TIMEOUT_MS: '2000',
    INTERNAL_IDENTITY_SECRET: identitySecret,
    COGNITO_USER_POOL_ID: cognito().userPoolId,
    COGNITO_CLIENT_ID: cognito().clientId,
    COGNITO_JWKS_URL: cognito().jwksUrl,
  });
  const gateway = await startGateway(config, logger, { host: '127.0.0.1' });
  try {
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const answer = await post(
      `http://127.0.0.1:${gateway.port}/graphql`,
      byId('Search', { query: 'lamp', first: 1 }),
      { traceparent: traceparent(traceId) },
    );
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    const failed = lines.find((l) => l.message === 'subgraph request failed');
    expect(failed).toMatchObject({ level: 'warn', traceId, subgraph: 'search' });
    expect(accessLines(traceId)).toEqual([
      expect.objectContaining({ operation: 'Search', outcome: 'server_error' }),
    ]);
  } finally {
    await gateway.close();
  }
});

it('lets browser clients send traceparent and x-request-id, and read x-request-id', async () => {
  const preflight = await fetch(stack.gatewayUrl, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://localhost:3000',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, traceparent, x-request-id',
    },
  });
  expect(preflight.status).toBe(204);
  const allowed = preflight.headers.get('access-control-allow-headers') ?? '';
  for (const header of ['traceparent', 'tracestate', 'x-request-id'])
    expect(allowed.split(', ')).toContain(header);
  expect(preflight.headers.get('access-control-expose-headers')).toContain('x-request-id');
});
