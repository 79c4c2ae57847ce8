/**
 * A change purges exactly the cached answers that hold it, through the store's events: pushed to
 * the gateway with an in-process cache (as `npm start` runs), and over Redis pub/sub with the
 * entries in Redis (as production runs). Reads through the gateway see the change within a
 * second; the tests poll for it within a generous bound.
 */
import { randomBytes } from 'node:crypto';
import {
  AdminInventorySetDocument,
  AdminProductUpdateDocument,
} from '../schema/generated/operations';
import { bearer, createProduct, eventually, getById } from './support/cache';
import { execute, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

const cacheStatus = (reply: { headers: Headers }) => reply.headers.get('cache-status') ?? '';
const isHit = (reply: { headers: Headers }) => /; hit; /.test(cacheStatus(reply));

describe.each(['http', 'redis'] as const)('purges with events over %s', (transport) => {
  let stack: Stack;
  let admin: TestUser;

  beforeAll(async () => {
    [stack, admin] = await Promise.all([
      startStack({ cache: 'memory', privateCatalog: true, events: transport }),
      createUser({ admin: true }),
    ]);
  });
  afterAll(() => stack?.stop());

  const detail = (slug: string) => getById(stack.gatewayUrl, 'ProductDetail', { slug });
  const titleOf = (reply: Awaited<ReturnType<typeof detail>>) =>
    (reply.json?.data?.product as { title: string } | null)?.title;

  it('a product edited in the back office, and only the answers holding it', async () => {
    const [edited, other] = await Promise.all([
      createProduct(stack, admin),
      createProduct(stack, admin, { categorySlug: 'cameras' }),
    ]);
    const listing = { first: 100, categorySlug: 'headphones', sort: 'NEWEST' };
    // Cached, and served from the cache before the edit (once the creations' events are in).
    await eventually(() => detail(edited.slug), isHit);
    await eventually(() => detail(other.slug), isHit);
    await eventually(() => getById(stack.gatewayUrl, 'ProductListing', listing), isHit);
    const purgedBefore = stack.gateway.responseCache?.stats.purged ?? 0;

    const update = await execute(
      stack.gatewayUrl,
      AdminProductUpdateDocument,
      { id: edited.id, input: { title: 'Cached Lamp, renamed' } },
      bearer(admin),
    );
    expect(update.data?.productUpdate.userErrors).toEqual([]);
    const after = await eventually(
      () => detail(edited.slug),
      (reply) => titleOf(reply) === 'Cached Lamp, renamed',
    );
    expect(cacheStatus(after)).toMatch(/fwd=uri-miss; stored/);
    const renamedInListing = await getById(stack.gatewayUrl, 'ProductListing', listing);
    expect(renamedInListing.text).toContain('Cached Lamp, renamed');
    // The other product's page did not hold the edited product: still cached.
    expect(cacheStatus(await detail(other.slug))).toMatch(/; hit; /);
    expect((stack.gateway.responseCache?.stats.purged ?? 0) - purgedBefore).toBeGreaterThan(0);
  });

  it('a search, once the index has the new product', async () => {
    const word = `heron${randomBytes(4).toString('hex').replace(/[0-9]/g, 'q')}`;
    const search = () => getById(stack.gatewayUrl, 'Search', { query: word, first: 5 });
    const count = (reply: Awaited<ReturnType<typeof search>>) =>
      (reply.json?.data?.search as { totalCount: number } | null)?.totalCount;
    expect(count(await eventually(search, isHit))).toBe(0);
    const lamp = await createProduct(stack, admin, { title: `Lamp ${word}` });
    // Well within the cached answer's 60 seconds: a purge made it, not its end.
    const found = await eventually(search, (reply) => count(reply) === 1);
    expect(found.text).toContain(lamp.id);
  });

  it('stock set in the back office', async () => {
    const lamp = await createProduct(stack, admin, { quantity: 5 });
    const quantity = (reply: Awaited<ReturnType<typeof detail>>) =>
      (reply.json?.data?.product as { variants: { quantityAvailable: number }[] } | null)
        ?.variants[0].quantityAvailable;
    expect(quantity(await eventually(() => detail(lamp.slug), isHit))).toBe(5);
    const purgedBefore = stack.gateway.responseCache?.stats.purged ?? 0;
    const set = await execute(
      stack.gatewayUrl,
      AdminInventorySetDocument,
      { variantId: lamp.variantId, quantity: 2 },
      bearer(admin),
    );
    expect(set.data?.inventorySet.userErrors).toEqual([]);
    const after = await eventually(
      () => detail(lamp.slug),
      (reply) => quantity(reply) === 2,
    );
    expect(cacheStatus(after)).toMatch(/fwd=uri-miss/);
    expect((stack.gateway.responseCache?.stats.purged ?? 0) - purgedBefore).toBeGreaterThan(0);
  });
});
