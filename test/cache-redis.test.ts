/**
 * The response cache in Redis: shared by every gateway replica (one replica's purge is seen by
 * all), and failing open: with Redis stopped or frozen, requests are answered uncached.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { AdminProductUpdateDocument } from '../schema/generated/operations';
import { bearer, createProduct, eventually, getById } from './support/cache';
import { startEdgeGateway, type EdgeGateway } from './support/edge';
import { testServices } from './support/services';
import { execute, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

const cacheStatus = (reply: { headers: Headers }) => reply.headers.get('cache-status') ?? '';
const isHit = (reply: { headers: Headers }) => /; hit; /.test(cacheStatus(reply));
const titleOf = (reply: Awaited<ReturnType<typeof getById>>) =>
  (reply.json?.data?.product as { title: string } | null)?.title;

let stack: Stack;
let admin: TestUser;

beforeAll(async () => {
  [stack, admin] = await Promise.all([
    startStack({ cache: 'memory', privateCatalog: true, events: 'redis' }),
    createUser({ admin: true }),
  ]);
});
afterAll(() => stack?.stop());

/** A gateway over the stack's subgraphs with its response cache in the Redis at `redisUrl`. */
const cachingGateway = (redisUrl: string, prefix: string, channel: string) =>
  startEdgeGateway(stack, {
    REDIS_URL: redisUrl,
    RESPONSE_CACHE: 'true',
    RESPONSE_CACHE_PREFIX: prefix,
    STORE_EVENTS_CHANNEL: channel,
    RATE_LIMIT_PER_ADDRESS: '0',
    RATE_LIMIT_PER_SHOPPER: '0',
  });

describe('two gateways sharing one Redis', () => {
  const gateways: EdgeGateway[] = [];
  afterAll(() => Promise.all(gateways.map((g) => g.close())));

  it('share the entries, and see the purge made by one of them', async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:response:`;
    const channel = stack.eventsChannel ?? '';
    // The second one hears no events at all: only the first purges.
    const deaf = `nowhere-${randomBytes(6).toString('hex')}`;
    gateways.push(
      await cachingGateway(testServices.redisUrl, prefix, channel),
      await cachingGateway(testServices.redisUrl, prefix, deaf),
    );
    const [listening, other] = gateways;
    const lamp = await createProduct(stack, admin);
    const read = (gateway: EdgeGateway) =>
      getById(gateway.url, 'ProductDetail', { slug: lamp.slug });

    await eventually(() => read(listening), isHit);
    const shared = await read(other);
    expect(cacheStatus(shared)).toMatch(/; hit; /);

    const update = await execute(
      stack.gatewayUrl,
      AdminProductUpdateDocument,
      { id: lamp.id, input: { title: 'Shared Lamp, renamed' } },
      bearer(admin),
    );
    expect(update.data?.productUpdate.userErrors).toEqual([]);
    await eventually(
      () => read(listening),
      (reply) => titleOf(reply) === 'Shared Lamp, renamed',
    );
    const seen = await read(other);
    expect(titleOf(seen)).toBe('Shared Lamp, renamed');
    expect(listening.gateway.responseCache?.stats.purged).toBeGreaterThan(0);
    expect(other.gateway.responseCache?.stats.purged).toBe(0);
  });
});

/** A TCP proxy to Redis that can freeze: it keeps the connections and answers nothing. */
async function freezableRedis(): Promise<{
  url: string;
  freeze(): void;
  close(): Promise<void>;
}> {
  const target = new URL(testServices.redisUrl);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => frozen || client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('when Redis fails', () => {
  it('answers uncached while Redis is stopped', async () => {
    // A port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gateway = await cachingGateway(`redis://127.0.0.1:${port}`, 'down:', 'down');
    try {
      for (let i = 0; i < 3; i++) {
        const reply = await getById(gateway.url, 'Categories', {});
        expect(reply.status).toBe(200);
        expect(reply.json?.errors).toBeUndefined();
        expect((reply.json?.data?.categories as unknown[]).length).toBeGreaterThan(0);
        expect(cacheStatus(reply)).toMatch(/fwd=uri-miss.*detail=unavailable/);
      }
    } finally {
      await gateway.close();
    }
  });

  it('answers uncached while Redis is frozen, and never fails a request', async () => {
    const redis = await freezableRedis();
    const prefix = `test:${randomBytes(6).toString('hex')}:response:`;
    const gateway = await cachingGateway(
      redis.url,
      prefix,
      `frozen-${randomBytes(4).toString('hex')}`,
    );
    try {
      const categories = await eventually(() => getById(gateway.url, 'Categories', {}), isHit);
      redis.freeze();
      const variables = { first: 2, categorySlug: 'headphones' };
      for (let i = 0; i < 4; i++) {
        for (const reply of await Promise.all([
          getById(gateway.url, 'Categories', {}),
          getById(gateway.url, 'ProductListing', variables),
        ])) {
          expect(reply.status).toBe(200);
          expect(reply.json?.errors).toBeUndefined();
          expect(cacheStatus(reply)).toMatch(/fwd=uri-miss/);
        }
      }
      const fresh = await getById(gateway.url, 'Categories', {});
      expect(fresh.text).toBe(categories.text);
    } finally {
      await gateway.close();
      await redis.close();
    }
  });
});
