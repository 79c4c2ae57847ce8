/**
 * Search and recommendations through the gateway, with every service real: products created and
 * changed in the back office become searchable through the catalog's change feed, stock and
 * purchases reach the index through the order service's outbox, and the index catches up after
 * downtime and rebuilds from the catalog.
 */
import { randomUUID } from 'node:crypto';
import {
  AdminInventorySetDocument,
  AdminProductCreateDocument,
  AdminProductUpdateDocument,
  CartCreateDocument,
  CheckoutDocument,
  PredictiveSearchDocument,
  ProductDetailDocument,
  RecommendedForYouDocument,
  SearchDocument,
} from '../schema/generated/operations';
import { createLogger } from '../common/logger';
import { CatalogIndexer } from '../subgraphs/search/src/indexer';
import { createSearchPool, migrateSearchDatabase } from '../subgraphs/search/src/server';
import { orderServiceStock } from '../subgraphs/search/src/order.client';
import { productServiceFeed } from '../subgraphs/search/src/product.client';
import { testDatabaseUrl } from './support/services';
import { execute, identitySecret, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';
import { eventually } from './support/eventually';

let stack: Stack;
let admin: TestUser;
let shopper: TestUser;

const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.accessToken}` });
const tag = () => randomUUID().slice(0, 8);

beforeAll(async () => {
  [stack, admin, shopper] = await Promise.all([
    startStack({ cache: 'memory', privateCatalog: true, notifications: true }),
    createUser({ admin: true, name: 'Back Office' }),
    createUser({ name: 'Search Shopper' }),
  ]);
});
afterAll(() => stack?.stop());

interface NewProduct {
  id: string;
  slug: string;
  variantId: string;
  title: string;
}

async function createProduct(
  title: string,
  options: { brand?: string; categorySlug?: string; price?: string; quantity?: number } = {},
): Promise<NewProduct> {
  const id = tag();
  const created = await execute(
    stack.gatewayUrl,
    AdminProductCreateDocument,
    {
      input: {
        title,
        description: 'Made for the search tests.',
        brand: options.brand ?? 'Lumenhaus',
        categorySlug: options.categorySlug ?? 'lighting',
        slug: `search-test-${id}`,
        variants: [
          {
            sku: `SRCH-${id}`,
            title: 'Default',
            price: options.price ?? '30.00',
            quantity: options.quantity ?? 20,
          },
        ],
      },
    },
    bearer(admin),
  );
  expect(created.data?.productCreate.userErrors).toEqual([]);
  const product = created.data?.productCreate.product;
  if (!product) throw new Error('not created');
  return { id: product.id, slug: product.slug, variantId: product.variants[0].id, title };
}

async function searchIds(query: string, filter?: { inStock?: boolean }): Promise<string[]> {
  const result = await execute(stack.gatewayUrl, SearchDocument, { query, first: 50, filter });
  expect(result.errors).toBeUndefined();
  return result.data?.search.edges.map((e) => e.node.id) ?? [];
}

async function checkout(lines: NewProduct[], user: TestUser | null) {
  const cart = await execute(stack.gatewayUrl, CartCreateDocument, {
    input: { lines: lines.map((p) => ({ variantId: p.variantId, quantity: 1 })) },
  });
  const cartId = cart.data?.cartCreate.cart?.id;
  if (!cartId) throw new Error('no cart');
  const placed = await execute(
    stack.gatewayUrl,
    CheckoutDocument,
    {
      input: {
        cartId,
        idempotencyKey: randomUUID(),
        paymentToken: 'tok_visa',
        ...(user ? {} : { email: `guest-${tag()}@example.com` }),
        shippingAddress: {
          name: 'Search Shopper',
          line1: '1 Main St',
          city: 'Springfield',
          postalCode: '12345',
          countryCode: 'US',
        },
      },
    },
    user ? bearer(user) : {},
  );
  expect(placed.data?.checkout.userErrors).toEqual([]);
  return placed.data?.checkout.order;
}

describe('indexing follows the catalog', () => {
  it('makes a product created in the back office searchable within 5 seconds, then its new title', async () => {
    const word = `zephyr${tag().replace(/[^a-z]/g, '')}`;
    const started = Date.now();
    const product = await createProduct(`Trail Lantern ${word}`);
    await eventually(
      async () => ((await searchIds(`${word} lantern`)).includes(product.id) ? true : undefined),
      5_000,
    );
    const elapsed = Date.now() - started;
    process.stdout.write(`created product searchable after ${elapsed} ms\n`);
    expect(elapsed).toBeLessThan(5_000);

    const renamed = `aurora${tag().replace(/[^a-z]/g, '')}`;
    await execute(
      stack.gatewayUrl,
      AdminProductUpdateDocument,
      { id: product.id, input: { title: `Camp Lantern ${renamed}` } },
      bearer(admin),
    );
    await eventually(
      async () => ((await searchIds(renamed)).includes(product.id) ? true : undefined),
      5_000,
    );
    expect(await searchIds(word)).not.toContain(product.id);
  });

  it('takes a product out of in-stock results when it sells out, and back when restocked', async () => {
    const word = `quasar${tag().replace(/[^a-z]/g, '')}`;
    const product = await createProduct(`Desk Lamp ${word}`, { quantity: 4 });
    await eventually(async () =>
      (await searchIds(word, { inStock: true })).length === 1 ? true : undefined,
    );
    await execute(
      stack.gatewayUrl,
      AdminInventorySetDocument,
      { variantId: product.variantId, quantity: 0 },
      bearer(admin),
    );
    await eventually(async () =>
      (await searchIds(word, { inStock: true })).length === 0 ? true : undefined,
    );
    expect(await searchIds(word, { inStock: false })).toEqual([product.id]);
    await execute(
      stack.gatewayUrl,
      AdminInventorySetDocument,
      { variantId: product.variantId, quantity: 2 },
      bearer(admin),
    );
    await eventually(async () =>
      (await searchIds(word, { inStock: true })).length === 1 ? true : undefined,
    );
  });

  it('catches up after being down, counts each change once, and rebuilds from the catalog', async () => {
    const schema = `search_catchup_${process.pid}`;
    const pool = createSearchPool(testDatabaseUrl(), schema, 4);
    try {
      await migrateSearchDatabase(pool, schema);
      const indexer = new CatalogIndexer(
        pool,
        productServiceFeed({
          url: `http://127.0.0.1:${stack.product.port}/graphql`,
          identitySecret,
        }),
        orderServiceStock({ url: `http://127.0.0.1:${stack.order.port}/graphql`, identitySecret }),
        createLogger('test', { silent: true }),
        { pollMs: 1000, lookbackMs: 2_000, pageSize: 2 },
      );
      await indexer.catchUp();
      const count = async () =>
        Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM documents')).rows[0].n);
      const before = await count();

      // While this index is "down", the catalog changes.
      const word = `nimbus${tag().replace(/[^a-z]/g, '')}`;
      const added = [];
      for (let i = 0; i < 3; i++) added.push(await createProduct(`Reading Light ${word} ${i}`));
      await execute(
        stack.gatewayUrl,
        AdminProductUpdateDocument,
        { id: added[0].id, input: { title: `Reading Light ${word} renamed` } },
        bearer(admin),
      );

      expect(await indexer.catchUp()).toBeGreaterThanOrEqual(3);
      expect(await count()).toBe(before + 3);
      const { rows } = await pool.query<{ title: string }>(
        'SELECT title FROM documents WHERE product_id = $1',
        [added[0].id],
      );
      expect(rows).toEqual([{ title: `Reading Light ${word} renamed` }]);
      // Reading again (the lookback re-reads recent changes) writes nothing new.
      expect(await indexer.catchUp()).toBe(0);

      // A rebuild restores what was lost or damaged and removes what the catalog does not have.
      await pool.query('DELETE FROM documents WHERE product_id = $1', [added[1].id]);
      await pool.query(
        `INSERT INTO documents (product_id, slug, title, description, category_slug, category_name,
                                min_price, max_price, currency, created_at, source_updated_at, words)
         VALUES ('gone', 'gone', 'Gone', 'Gone', 'lighting', 'Lighting', 1, 1, 'USD', now(), now(), '{gone}')`,
      );
      await pool.query("UPDATE lexicon SET documents = 999 WHERE word = 'lighting'");
      const rebuilt = await indexer.reindex();
      expect(rebuilt).toMatchObject({ documents: before + 3, removed: 1 });
      expect(await count()).toBe(before + 3);
      const lexicon = await pool.query<{ word: string; documents: number }>(
        "SELECT word, documents FROM lexicon WHERE word IN ('lighting', 'gone')",
      );
      expect(lexicon.rows).toEqual([{ word: 'lighting', documents: before + 3 }]);
    } finally {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    }
  });
});

describe('the contract through the gateway', () => {
  it('serves Search with catalog fields, facets and a correction', async () => {
    const word = `halcyon${tag().replace(/[^a-z]/g, '')}`;
    const product = await createProduct(`Wireless Floor Lamp ${word}`, {
      brand: 'Glowforge',
      price: '89.00',
    });
    await eventually(async () => ((await searchIds(word)).length === 1 ? true : undefined));
    const misspelt = word.slice(0, 3) + word.slice(4); // one letter dropped
    const result = await execute(stack.gatewayUrl, SearchDocument, {
      query: `wireless ${misspelt}`,
      first: 5,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.search).toMatchObject({
      totalCount: 1,
      correctedQuery: `wireless ${word}`,
      pageInfo: { hasNextPage: false },
      edges: [
        {
          node: {
            id: product.id,
            title: product.title,
            brand: 'Glowforge',
            priceRange: { minVariantPrice: { amount: '89.00', currencyCode: 'USD' } },
            availableForSale: true,
          },
        },
      ],
    });
    const facets = new Map(result.data?.search.facets.map((f) => [f.name, f.values]));
    expect(facets.get('brand')).toEqual([{ value: 'Glowforge', label: 'Glowforge', count: 1 }]);
    expect(facets.get('category')).toEqual([{ value: 'lighting', label: 'Lighting', count: 1 }]);
    expect(facets.get('price')).toEqual([
      { value: '50.00-99.99', label: '$50.00 – $99.99', count: 1 },
    ]);

    const predictive = await execute(stack.gatewayUrl, PredictiveSearchDocument, {
      query: `wireless ${word.slice(0, 5)}`,
      first: 5,
    });
    expect(predictive.data?.predictiveSearch.queries).toEqual([{ text: `wireless ${word}` }]);
    expect(predictive.data?.predictiveSearch.products).toEqual([
      {
        id: product.id,
        slug: expect.stringContaining('search-test-'),
        title: product.title,
        featuredImage: null,
      },
    ]);
  });

  it('keeps the internal mutations out of the public API', async () => {
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { searchStockChanged(productIds: ["x"]) }' }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const direct = await fetch(`http://127.0.0.1:${stack.search.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { searchStockChanged(productIds: ["x"]) }' }),
    });
    expect(direct.status).toBe(401);
  });
});

describe('recommendations from purchases', () => {
  it('recommends what others bought with it, never what the shopper bought, never sold out', async () => {
    const word = `orbit${tag().replace(/[^a-z]/g, '')}`;
    const [tent, stove, lamp, mat, soldOut] = await Promise.all(
      ['Tent', 'Stove', 'Lamp', 'Mat', 'Pump'].map((noun, i) =>
        createProduct(`Camp ${noun} ${word}`, { categorySlug: 'backpacks', price: `${40 + i}.00` }),
      ),
    );
    await eventually(async () => ((await searchIds(word)).length === 5 ? true : undefined));
    // Others buy the tent with the stove (twice), with the lamp, and with the pump.
    await checkout([tent, stove], null);
    await checkout([tent, stove], null);
    await checkout([tent, lamp], null);
    await checkout([tent, soldOut], null);
    // The shopper buys the tent and the mat.
    await checkout([tent, mat], shopper);
    await execute(
      stack.gatewayUrl,
      AdminInventorySetDocument,
      { variantId: soldOut.variantId, quantity: 0 },
      bearer(admin),
    );

    const similar = await eventually(async () => {
      const read = await execute(stack.gatewayUrl, ProductDetailDocument, {
        slug: tent.slug,
      });
      const ids = read.data?.product?.similarProducts.map((p) => p.id) ?? [];
      return ids[0] === stove.id && !ids.includes(soldOut.id) ? ids : undefined;
    });
    expect(similar.slice(0, 3)).toEqual([stove.id, expect.any(String), expect.any(String)]);
    expect(similar.slice(1, 3).sort()).toEqual([lamp.id, mat.id].sort());
    expect(similar).not.toContain(tent.id);

    // The shopper's own order reaches the search service through the outbox too.
    const picks = await eventually(async () => {
      const read = await execute(
        stack.gatewayUrl,
        RecommendedForYouDocument,
        { first: 10 },
        bearer(shopper),
      );
      const ids = read.data?.recommendedProducts.map((p) => p.id) ?? [];
      return ids.includes(tent.id) ? undefined : ids;
    });
    expect(picks[0]).toBe(stove.id);
    expect(picks).toContain(lamp.id);
    for (const bought of [tent.id, mat.id, soldOut.id]) expect(picks).not.toContain(bought);

    const anonymous = await execute(stack.gatewayUrl, RecommendedForYouDocument, { first: 3 });
    expect(anonymous.data?.recommendedProducts[0]).toMatchObject({
      id: tent.id,
      title: tent.title,
    });
  });
});
