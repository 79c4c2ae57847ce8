/**
 * Rate limits at the gateway: per client address and per signed-in shopper, mutations weighing
 * more, one budget shared by two gateways over one Redis, and the defaults reached by a tight loop.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { projectPath } from '../common/paths';
import Redis from 'ioredis';
import { codes, post, registered, startEdgeGateway, type EdgeGateway } from './support/edge';
import { testServices } from './support/services';
import { cognito } from './support/services';
import { identitySecret, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

let stack: Stack;
let shopper: TestUser;
const prefix = `test:rate:${process.pid}:${randomBytes(4).toString('hex')}:`;
const redis = new Redis(testServices.redisUrl);
const started: EdgeGateway[] = [];

beforeAll(async () => {
  [stack, shopper] = await Promise.all([
    startStack({ cache: 'memory', searchFeed: false }),
    createUser(),
  ]);
});
afterAll(async () => {
  await Promise.all(started.map((g) => g.close()));
  await stack.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

async function gateway(settings: Record<string, string>, run = randomBytes(3).toString('hex')) {
  const edge = await startEdgeGateway(stack, {
    RATE_LIMIT_PREFIX: `${prefix}${run}:`,
    ...settings,
  });
  started.push(edge);
  return edge;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });
}

/** The gateway as its own process (`gateway/src/main.ts`), over the stack's subgraphs. */
async function gatewayProcess(settings: Record<string, string>) {
  const port = await freePort();
  const subgraph = (p: number) => `http://127.0.0.1:${p}/graphql`;
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', projectPath('gateway', 'src', 'main.ts')],
    {
      cwd: projectPath(),
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'silent',
        PORT: String(port),
        METRICS_PORT: '0',
        PRODUCT_SUBGRAPH_URL: subgraph(stack.product.port),
        ORDER_SUBGRAPH_URL: subgraph(stack.order.port),
        USER_SUBGRAPH_URL: subgraph(stack.user.port),
        CART_SUBGRAPH_URL: subgraph(stack.cart.port),
        SEARCH_SUBGRAPH_URL: subgraph(stack.search.port),
        INTERNAL_IDENTITY_SECRET: identitySecret,
        COGNITO_USER_POOL_ID: cognito().userPoolId,
        COGNITO_CLIENT_ID: cognito().clientId,
        COGNITO_JWKS_URL: cognito().jwksUrl,
        ...settings,
      },
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('the gateway did not start');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const categories = { documentId: `sha256:${registered('Categories').id}` };
const signOut = { documentId: `sha256:${registered('SignOut').id}` };

describe('rate limits', () => {
  it('shares one budget per address across two gateway processes over Redis: 429 with Retry-After', async () => {
    const run = randomBytes(3).toString('hex');
    const settings = {
      REDIS_URL: testServices.redisUrl,
      RATE_LIMIT_PREFIX: `${prefix}${run}:`,
      RATE_LIMIT_PER_ADDRESS: '10',
      RATE_LIMIT_WINDOW_SECONDS: '30',
    };
    const [a, b] = await Promise.all([gatewayProcess(settings), gatewayProcess(settings)]);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++)
        statuses.push((await post(i % 2 ? b.url : a.url, categories)).status);
      expect(statuses).toEqual(Array(10).fill(200));
      for (const edge of [a, b]) {
        const refused = await post(edge.url, categories);
        expect(refused.status).toBe(429);
        expect(codes(refused)).toEqual(['RATE_LIMITED']);
        const retryAfter = Number(refused.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(30);
      }
      // The counters live in Redis under the configured prefix.
      expect((await redis.keys(`${prefix}${run}:*`)).length).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 120_000);

  it('weighs a mutation as RATE_LIMIT_MUTATION_WEIGHT queries', async () => {
    const edge = await gateway({ RATE_LIMIT_PER_ADDRESS: '12', RATE_LIMIT_MUTATION_WEIGHT: '5' });
    expect((await post(edge.url, signOut)).status).toBe(200);
    expect((await post(edge.url, signOut)).status).toBe(200);
    // 10 of 12 points are gone: two queries pass, the third does not.
    expect((await post(edge.url, categories)).status).toBe(200);
    expect((await post(edge.url, categories)).status).toBe(200);
    expect((await post(edge.url, categories)).status).toBe(429);
  });

  it('limits a signed-in shopper on a budget of their own', async () => {
    const edge = await gateway({ RATE_LIMIT_PER_ADDRESS: '1000', RATE_LIMIT_PER_SHOPPER: '3' });
    const signedIn = { authorization: `Bearer ${shopper.accessToken}` };
    for (let i = 0; i < 3; i++)
      expect((await post(edge.url, categories, signedIn)).status).toBe(200);
    expect((await post(edge.url, categories, signedIn)).status).toBe(429);
    // The same address, anonymous, still has its budget.
    expect((await post(edge.url, categories)).status).toBe(200);
  });

  it('counts refused operations too', async () => {
    const edge = await gateway({ RATE_LIMIT_PER_ADDRESS: '2' });
    const tooDeep = { query: `{ ${'a { '.repeat(20)}b${' }'.repeat(20)} }` };
    expect((await post(edge.url, tooDeep)).status).toBe(400);
    expect((await post(edge.url, tooDeep)).status).toBe(400);
    expect((await post(edge.url, tooDeep)).status).toBe(429);
  });

  it('takes the client address from X-Forwarded-For only through TRUSTED_PROXY_HOPS', async () => {
    const direct = await gateway({ RATE_LIMIT_PER_ADDRESS: '1' });
    const spoofed = (ip: string) => post(direct.url, categories, { 'x-forwarded-for': ip });
    expect((await spoofed('198.51.100.1')).status).toBe(200);
    expect((await spoofed('198.51.100.2')).status).toBe(429);
    const proxied = await gateway({ RATE_LIMIT_PER_ADDRESS: '1', TRUSTED_PROXY_HOPS: '1' });
    const via = (ip: string) => post(proxied.url, categories, { 'x-forwarded-for': ip });
    expect((await via('198.51.100.1')).status).toBe(200);
    expect((await via('198.51.100.2')).status).toBe(200);
    expect((await via('198.51.100.1')).status).toBe(429);
  });

  it('reaches the default of 600 requests a minute from one address in a tight loop', async () => {
    const edge = await gateway({});
    const statuses = new Map<number, number>();
    const hits = async () => {
      for (let i = 0; i < 151; i++) {
        const status = (await post(edge.url, categories)).status;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all([hits(), hits(), hits(), hits()]);
    expect(statuses.get(200)).toBe(600);
    expect(statuses.get(429)).toBe(4);
  }, 120_000);
});
