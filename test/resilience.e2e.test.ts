/**
 * Failure modes a client can see: a cache outage slows reads but never fails them, a subgraph
 * outage gives partial data with a coded error, and no error carries internals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { createRedisCache } from '../common/cache';
import { ProductDetailDocument, ProductListingDocument } from '../schema/generated/operations';
import { execute, startStack } from './support/stack';

const forbiddenInErrors = [
  /127\.0\.0\.1/,
  /localhost/,
  /ECONNREFUSED/,
  /\bat .+:\d+:\d+/,
  /SELECT|INSERT/i,
  /dynamo/i,
  /redis/i,
];

function expectNoInternals(body: unknown) {
  const text = JSON.stringify(body);
  for (const pattern of forbiddenInErrors) expect(text).not.toMatch(pattern);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`redis-server could not start: ${e.message}`)));
    const deadline = Date.now() + 5_000;
    const poll = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error('redis-server did not come up'));
        else setTimeout(poll, 50);
      });
    };
    poll();
  });
  return child;
}

describe('when Redis fails', () => {
  it('answers from DynamoDB while Redis hangs and after it is gone', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const cache = createRedisCache({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200 });
    const stack = await startStack({ cache });
    try {
      const variables = { first: 20, sort: 'FEATURED' as const };
      const healthy = await execute(stack.gatewayUrl, ProductListingDocument, variables);
      expect(healthy.errors).toBeUndefined();

      redis.kill('SIGSTOP'); // accepts connections, answers nothing: the worst case
      stack.counters.reset();
      const started = Date.now();
      const frozen = await execute(stack.gatewayUrl, ProductListingDocument, variables);
      process.stdout.write(`listing with Redis frozen answered in ${Date.now() - started} ms\n`);
      expect(frozen.errors).toBeUndefined();
      expect(frozen.data).toEqual(healthy.data);
      expect(stack.counters.dynamo.length).toBeGreaterThan(0); // served from the source of truth

      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));
      const gone = await execute(stack.gatewayUrl, ProductDetailDocument, {
        slug: healthy.data?.products.edges[0]?.node.slug ?? '',
      });
      expect(gone.errors).toBeUndefined();
      expect(gone.data?.product?.id).toBe(healthy.data?.products.edges[0]?.node.id);
    } finally {
      redis.kill('SIGKILL');
      await stack.stop();
      await cache.close();
    }
  }, 20_000);
});

describe('when a subgraph is down', () => {
  it('returns the catalog with null stock fields and a coded error with a path', async () => {
    const stack = await startStack({ cache: 'memory' });
    try {
      await stack.order.close();
      const result = await execute(stack.gatewayUrl, ProductListingDocument, { first: 3 });
      expect(result.status).toBe(200);
      expect(result.data?.products.edges).toHaveLength(3);
      for (const { node } of result.data?.products.edges ?? []) {
        expect(node.title).toEqual(expect.any(String));
        expect(node.availableForSale).toBeNull();
      }
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]).toMatchObject({
        message: 'The order service is unavailable right now.',
        path: ['products', 'edges', 0, 'node'],
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: 'order' },
      });
      expectNoInternals(result.errors);

      const ready = await fetch(stack.gatewayUrl.replace('/graphql', '/readyz'));
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'unavailable',
        unavailable: ['order subgraph'],
      });
    } finally {
      await stack.stop();
    }
  });

  it('returns null for the root field and a coded error when the product service is down', async () => {
    const stack = await startStack({ cache: 'memory' });
    try {
      await stack.product.close();
      const result = await execute(stack.gatewayUrl, ProductDetailDocument, { slug: 'anything' });
      expect(result.data).toEqual({ product: null });
      expect(result.errors?.[0]).toMatchObject({
        path: ['product'],
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: 'product' },
      });
      expectNoInternals(result.errors);
    } finally {
      await stack.stop();
    }
  });
});

describe('when a store is unreachable', () => {
  it('masks the failure as INTERNAL_SERVER_ERROR without host, driver or stack details', async () => {
    const stack = await startStack({
      cache: 'memory',
      dynamoEndpoint: `http://127.0.0.1:${await freePort()}`,
      searchFeed: false,
    });
    try {
      const result = await execute(stack.gatewayUrl, ProductDetailDocument, {
        slug: 'some-product',
      });
      expect(result.data).toEqual({ product: null });
      expect(result.errors).toEqual([
        {
          message: 'Internal server error',
          path: ['product'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expectNoInternals(result.errors);
    } finally {
      await stack.stop();
    }
  }, 30_000);
});

describe('health endpoints', () => {
  it('reports the process up on /healthz and every dependency on /readyz', async () => {
    const stack = await startStack({ cache: 'memory' });
    try {
      const base = stack.gatewayUrl.replace('/graphql', '');
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: {
          'product subgraph': 'ok',
          'order subgraph': 'ok',
          'user subgraph': 'ok',
          'cart subgraph': 'ok',
          'search subgraph': 'ok',
        },
      });
    } finally {
      await stack.stop();
    }
  });
});
