/**
 * The gateway's response cache (in-process here; Redis in cache-redis.test.ts): a public answer
 * is stored and the same request is then answered without GraphQL running or any subgraph being
 * asked; HTTP caching headers for browsers and the CDN; nothing private, nothing with errors,
 * ever stored or served to another caller.
 */
import { registered } from './support/edge';
import { bearer, createProduct, getById, postById, subgraphRequests } from './support/cache';
import { startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

let stack: Stack;
let admin: TestUser;
let product: { id: string; slug: string; variantId: string };

beforeAll(async () => {
  [stack, admin] = await Promise.all([
    // No search feed: its reader's calls to the product subgraph would add to the counts.
    startStack({ cache: 'memory', privateCatalog: true, events: 'http', searchFeed: false }),
    createUser({ admin: true }),
  ]);
  product = await createProduct(stack, admin);
});
afterAll(() => stack?.stop());

const cacheStatus = (reply: { headers: Headers }) => reply.headers.get('cache-status') ?? '';

describe('a public answer', () => {
  it('is stored on a miss and served on the next request without GraphQL or a subgraph', async () => {
    const variables = { slug: product.slug };
    const miss = await getById(stack.gatewayUrl, 'ProductDetail', variables);
    expect(miss.status).toBe(200);
    expect(miss.json?.errors).toBeUndefined();
    expect(cacheStatus(miss)).toMatch(/^storefront-gateway; fwd=uri-miss; stored; ttl=5$/);

    const requests = subgraphRequests(stack);
    const executed = stack.gateway.responseCache?.stats.executed;
    try {
      const hit = await getById(stack.gatewayUrl, 'ProductDetail', variables);
      expect(hit.status).toBe(200);
      expect(hit.text).toBe(miss.text);
      expect(cacheStatus(hit)).toMatch(/^storefront-gateway; hit; ttl=[0-5]$/);
      expect(requests.count()).toBe(0);
      expect(stack.gateway.responseCache?.stats.executed).toBe(executed);
      // The same by POST, and by Apollo's persisted-query hash: the same entry.
      const posted = await postById(stack.gatewayUrl, 'ProductDetail', variables);
      expect(cacheStatus(posted)).toMatch(/; hit; /);
      expect(posted.text).toBe(miss.text);
      expect(requests.count()).toBe(0);
    } finally {
      requests.stop();
    }
  });

  it('says how long shared caches may keep it, with an ETag, the tags, and what it varies on', async () => {
    const reply = await getById(stack.gatewayUrl, 'ProductDetail', { slug: product.slug });
    // Stock (5 s) is the shortest hint in a product page.
    expect(reply.headers.get('cache-control')).toBe(
      'public, max-age=5, s-maxage=5, stale-while-revalidate=30',
    );
    expect(reply.headers.get('etag')).toMatch(/^W\/"[\w-]+"$/);
    const tags = (reply.headers.get('cache-tag') ?? '').split(',');
    expect(tags).toEqual(
      expect.arrayContaining([
        `product:${encodeURIComponent(product.id)}`,
        `variant:${encodeURIComponent(product.variantId)}`,
        'category:headphones',
      ]),
    );
    expect(reply.headers.get('vary')).toMatch(/authorization/);
    const listing = await getById(stack.gatewayUrl, 'Categories', {});
    expect(listing.headers.get('cache-control')).toMatch(/^public, max-age=60, s-maxage=60/);
  });

  it('is answered 304 for a GET whose If-None-Match names its ETag', async () => {
    const variables = { first: 3, categorySlug: 'headphones' };
    const first = await getById(stack.gatewayUrl, 'ProductListing', variables);
    const etag = first.headers.get('etag') ?? '';
    const again = await getById(stack.gatewayUrl, 'ProductListing', variables, {
      'if-none-match': etag,
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(cacheStatus(again)).toMatch(/; hit; /);
    const other = await getById(stack.gatewayUrl, 'ProductListing', variables, {
      'if-none-match': 'W/"something-else"',
    });
    expect(other.status).toBe(200);
  });

  it('is keyed by its variables, in any order', async () => {
    const a = await getById(stack.gatewayUrl, 'ProductListing', { first: 2, sort: 'TITLE' });
    const b = await getById(stack.gatewayUrl, 'ProductListing', { sort: 'TITLE', first: 2 });
    expect(cacheStatus(b)).toMatch(/; hit; /);
    expect(b.text).toBe(a.text);
    const c = await getById(stack.gatewayUrl, 'ProductListing', { sort: 'TITLE', first: 1 });
    expect(cacheStatus(c)).toMatch(/fwd=uri-miss/);
  });
});

describe('concurrent misses', () => {
  it('of the same answer fetch it once; the others are served what it stored', async () => {
    const requests = subgraphRequests(stack);
    try {
      await getById(stack.gatewayUrl, 'ProductListing', { first: 6, sort: 'PRICE_ASC' });
      const perExecution = requests.count();
      expect(perExecution).toBeGreaterThan(0);
      const variables = { first: 7, sort: 'PRICE_ASC' };
      const replies = await Promise.all(
        Array.from({ length: 6 }, () => getById(stack.gatewayUrl, 'ProductListing', variables)),
      );
      expect(requests.count()).toBe(2 * perExecution);
      expect(replies.filter((r) => /stored/.test(cacheStatus(r)))).toHaveLength(1);
      expect(replies.filter((r) => /; hit; /.test(cacheStatus(r)))).toHaveLength(5);
      expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    } finally {
      requests.stop();
    }
  });
});

describe('never stored', () => {
  it('an answer with errors', async () => {
    // The product subgraph's only: the outbox's signals to search, after the product was made,
    // may still arrive at the others.
    const requests = subgraphRequests(stack, ['product']);
    try {
      for (let i = 0; i < 2; i++) {
        const reply = await getById(stack.gatewayUrl, 'ProductListing', { first: 101 });
        expect(reply.json?.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(reply.headers.get('cache-control')).toBe('private, no-store');
        expect(cacheStatus(reply)).toBe('storefront-gateway; fwd=uri-miss; detail=uncacheable');
      }
      expect(requests.count()).toBe(2);
    } finally {
      requests.stop();
    }
  });

  it("a mutation, an admin's request, or a GET without a preflight header", async () => {
    const mutation = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: `sha256:${registered('CartCreate').id}`, variables: {} }),
    });
    expect(mutation.headers.get('cache-status')).toBe('storefront-gateway; fwd=method');
    expect(mutation.headers.get('cache-control')).toBe('private, no-store');
    const asAdmin = await getById(stack.gatewayUrl, 'Categories', {}, bearer(admin));
    expect(cacheStatus(asAdmin)).toBe('storefront-gateway; fwd=bypass; detail=admin');
    const simple = await fetch(
      `${stack.gatewayUrl}?documentId=sha256:${registered('Categories').id}`,
    );
    expect(simple.status).toBe(400);
    expect(simple.headers.get('cache-status')).toBe('storefront-gateway; fwd=bypass');
    // Refused before GraphQL: still says what the cache did.
    const forged = await getById(
      stack.gatewayUrl,
      'Categories',
      {},
      { authorization: 'Bearer a.b.c' },
    );
    expect(forged.status).toBe(401);
    expect(cacheStatus(forged)).toBe('storefront-gateway; fwd=bypass');
    expect(forged.headers.get('cache-control')).toBe('no-store');
  });
});

describe("the viewer's data", () => {
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([
      createUser({ name: 'Alice Private' }),
      createUser({ name: 'Bob Private' }),
    ]);
  });

  it('is private, never stored, and never served to another caller', async () => {
    const callers = [
      { name: 'alice', headers: bearer(alice), email: alice.email },
      { name: 'anonymous', headers: {}, email: null },
      { name: 'bob', headers: bearer(bob), email: bob.email },
    ];
    for (let round = 0; round < 3; round++) {
      for (const caller of callers) {
        for (const send of [getById, postById]) {
          const me = await send(stack.gatewayUrl, 'Me', {}, caller.headers);
          const viewer = me.json?.data?.me as { email: string } | null;
          expect(viewer?.email ?? null).toBe(caller.email);
          expect(me.headers.get('cache-control')).toBe('private, no-store');
          expect(cacheStatus(me)).not.toMatch(/; hit|stored/);

          const recommended = await send(
            stack.gatewayUrl,
            'RecommendedForYou',
            { first: 4 },
            caller.headers,
          );
          expect(recommended.json?.errors).toBeUndefined();
          if (caller.email) {
            expect(recommended.headers.get('cache-control')).toBe('private, no-store');
            expect(cacheStatus(recommended)).not.toMatch(/; hit|stored/);
          }
        }
      }
    }
    // Anonymous best sellers are public, and stored for anonymous callers only.
    const anonymous = await getById(stack.gatewayUrl, 'RecommendedForYou', { first: 4 });
    expect(cacheStatus(anonymous)).toMatch(/; hit; /);
  });

  it("keeps a signed-in shopper's public answers apart from anonymous ones", async () => {
    const variables = { first: 4, categorySlug: 'headphones', sort: 'PRICE_DESC' };
    const anonymous = await getById(stack.gatewayUrl, 'ProductListing', variables);
    expect(cacheStatus(anonymous)).toMatch(/stored/);
    const signedIn = await getById(stack.gatewayUrl, 'ProductListing', variables, bearer(alice));
    expect(cacheStatus(signedIn)).toMatch(/fwd=uri-miss; stored/);
    const other = await getById(stack.gatewayUrl, 'ProductListing', variables, bearer(bob));
    expect(cacheStatus(other)).toMatch(/; hit; /);
    expect(other.text).toBe(signedIn.text);
  });
});
