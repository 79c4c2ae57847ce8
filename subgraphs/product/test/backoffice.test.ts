/**
 * The back office on the subgraphs that serve it: productCreate and productUpdate (product),
 * inventorySet (order). The product subgraph runs over a catalog table of its own (so these
 * writes never change what the catalog tests expect of the seeded one), as two replicas sharing
 * one Redis namespace: writes go to one, reads to the other, so "visible at once" means through
 * the shared cache too. Stock is the order subgraph's, in the test PostgreSQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRedisCache, type SharedCache } from '../../../common/cache';
import { createDynamoClient } from '../../../common/dynamo';
import type { RunningServer } from '../../../common/http';
import { signIdentity, type Viewer } from '../../../common/identity';
import { createLogger } from '../../../common/logger';
import { projectPath } from '../../../common/paths';
import { createPool } from '../../../common/postgres';
import { serveSubgraph } from '../../../common/subgraph';
import { createOrderSubgraph } from '../../order/src/server';
import { createProductSubgraph } from '../src/server';
import { orderServiceStockWriter } from '../src/order.client';
import { dynamoEndpoint, testDatabaseUrl, testServices } from '../../../test/support/services';
import { createEmptyCatalog } from '../../../test/support/catalog-table';

// ---- the stack under test ----------------------------------------------------------------------

const secret = randomBytes(32).toString('base64url');
const logger = createLogger('test', { silent: true });
const dynamo = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
const table = `backoffice-${process.pid}-${Date.now()}`;
const pool = createPool(testDatabaseUrl(), { max: 10 });
let redis: SharedCache;
let order: RunningServer;
/** Takes the writes. */
let writer: RunningServer;
/** Another replica over the same table and cache: takes the reads. */
let reader: RunningServer;
/** A replica whose order service is unreachable. */
let cutOff: RunningServer;

async function serveProduct(stockUrl: string): Promise<RunningServer> {
  const graph = await createProductSubgraph({
    dynamo,
    table,
    cache: redis.namespace(`test:backoffice:${process.pid}:${table}:`),
    cacheTtlSeconds: 300,
    assetBaseUrl: 'https://cdn.test.example',
    stock: orderServiceStockWriter({ url: stockUrl, identitySecret: secret, timeoutMs: 2_000 }),
  });
  return serveSubgraph({
    name: 'product',
    ...graph,
    port: 0,
    host: '127.0.0.1',
    identitySecret: secret,
    logger,
  });
}

beforeAll(async () => {
  await createEmptyCatalog(dynamo, table);
  redis = createRedisCache({ url: testServices.redisUrl, logger });
  const orderGraph = await createOrderSubgraph({ pool });
  order = await serveSubgraph({
    name: 'order',
    ...orderGraph,
    port: 0,
    host: '127.0.0.1',
    identitySecret: secret,
    logger,
  });
  [writer, reader, cutOff] = await Promise.all([
    serveProduct(order.url),
    serveProduct(order.url),
    serveProduct('http://127.0.0.1:1/graphql'),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([writer?.close(), reader?.close(), cutOff?.close(), order?.close()]);
  await redis?.close();
  await pool.end();
  dynamo.destroy();
});

// ---- callers -------------------------------------------------------------------------------------

const user = (isAdmin: boolean): Viewer => {
  const sub = randomUUID();
  return {
    kind: 'user',
    sub,
    username: sub,
    groups: isAdmin ? ['admin'] : [],
    isAdmin,
    accessToken: 'x',
  };
};
const admin = user(true);
const shopper = user(false);
const anonymous: Viewer = { kind: 'anonymous' };

interface Reply<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function call<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  viewer: Viewer = admin,
): Promise<Reply<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-store-identity': signIdentity({ viewer, clientIp: null }, secret),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Reply<T>;
}

/** Calls and expects no GraphQL errors. */
async function ok<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  viewer: Viewer = admin,
): Promise<T> {
  const reply = await call<T>(url, query, variables, viewer);
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error('no data');
  return reply.data;
}

// ---- operations (the contract's, and reads to check their effect) --------------------------------

const userErrorFields = 'userErrors { code field message }';

const AdminProductCreate = `mutation AdminProductCreate($input: ProductCreateInput!) {
  productCreate(input: $input) {
    product { id slug variants { id sku } }
    ${userErrorFields}
  }
}`;

const AdminProductUpdate = `mutation AdminProductUpdate($id: ID!, $input: ProductUpdateInput!) {
  productUpdate(id: $id, input: $input) {
    product { id title description }
    ${userErrorFields}
  }
}`;

const AdminInventorySet = `mutation AdminInventorySet($variantId: ID!, $quantity: Int!) {
  inventorySet(variantId: $variantId, quantity: $quantity) {
    variant { id quantityAvailable }
    ${userErrorFields}
  }
}`;

const ProductBySlug = `query ($slug: String!) {
  product(slug: $slug) {
    id slug title description brand createdAt updatedAt
    category { slug }
    featuredImage { url altText }
    images { url altText }
    options { name values }
    priceRange { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
    rating { average count }
    variants { id sku title price { amount currencyCode } selectedOptions { name value } }
  }
}`;

const Listing = `query ($categorySlug: String, $sort: ProductSort, $first: Int!) {
  products(first: $first, filter: { categorySlug: $categorySlug }, sort: $sort) {
    totalCount
    nodes { id title }
  }
}`;

const Categories = `{ categories { slug productCount } }`;

const Stock = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ProductVariant { id quantityAvailable availableForSale }
    ... on Product { id availableForSale }
  }
}`;

interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}
interface CreateData {
  productCreate: {
    product: { id: string; slug: string; variants: { id: string; sku: string }[] } | null;
    userErrors: UserErrorShape[];
  };
}
interface UpdateData {
  productUpdate: {
    product: { id: string; title: string; description: string } | null;
    userErrors: UserErrorShape[];
  };
}
interface InventoryData {
  inventorySet: {
    variant: { id: string; quantityAvailable: number | null } | null;
    userErrors: UserErrorShape[];
  };
}
interface ProductData {
  product: {
    id: string;
    slug: string;
    title: string;
    description: string;
    brand: string | null;
    createdAt: string;
    updatedAt: string;
    category: { slug: string };
    featuredImage: { url: string; altText: string | null } | null;
    images: { url: string; altText: string | null }[];
    options: { name: string; values: string[] }[];
    priceRange: {
      minVariantPrice: { amount: string; currencyCode: string };
      maxVariantPrice: { amount: string; currencyCode: string };
    };
    rating: { average: number; count: number };
    variants: {
      id: string;
      sku: string;
      title: string;
      price: { amount: string; currencyCode: string };
      selectedOptions: { name: string; value: string }[];
    }[];
  } | null;
}
interface ListingData {
  products: { totalCount: number; nodes: { id: string; title: string }[] };
}
interface CategoriesData {
  categories: { slug: string; productCount: number }[];
}
interface StockData {
  _entities: ({ id: string; quantityAvailable?: number; availableForSale: boolean } | null)[];
}

// ---- helpers -----------------------------------------------------------------------------------

const tag = () => randomUUID().slice(0, 8);

/** A valid ProductCreateInput with a fresh slug and fresh SKUs. */
function draft(overrides: Record<string, unknown> = {}) {
  const t = tag();
  return {
    title: `Backoffice Test Lamp ${t}`,
    description: 'A lamp made for the back-office tests.',
    brand: 'Lumen',
    categorySlug: 'lighting',
    slug: `bo-lamp-${t}`,
    images: [{ url: 'https://cdn.test.example/products/lamp/1.jpg', altText: 'The lamp' }],
    variants: [
      {
        sku: `BO-${t}-W`,
        title: 'White',
        price: '49.90',
        quantity: 7,
        selectedOptions: [{ name: 'Color', value: 'White' }],
      },
      {
        sku: `BO-${t}-B`,
        title: 'Black',
        price: '54.00',
        quantity: 0,
        selectedOptions: [{ name: 'Color', value: 'Black' }],
      },
    ],
    ...overrides,
  };
}

async function create(input: Record<string, unknown>, url = writer.url) {
  return (await ok<CreateData>(url, AdminProductCreate, { input })).productCreate;
}

async function created(input: Record<string, unknown> = draft()) {
  const result = await create(input);
  expect(result.userErrors).toEqual([]);
  if (!result.product) throw new Error('not created');
  return result.product;
}

const productBySlug = async (slug: string) =>
  (await ok<ProductData>(reader.url, ProductBySlug, { slug })).product;

const listing = async (categorySlug: string | null, sort = 'NEWEST', first = 100) =>
  (await ok<ListingData>(reader.url, Listing, { categorySlug, sort, first })).products;

async function productCount(categorySlug: string) {
  const { categories } = await ok<CategoriesData>(reader.url, Categories);
  return categories.find((c) => c.slug === categorySlug)?.productCount;
}

async function stockOf(variantIds: string[]) {
  const { _entities } = await ok<StockData>(order.url, Stock, {
    representations: variantIds.map((id) => ({ __typename: 'ProductVariant', id })),
  });
  return _entities.map((e) => e?.quantityAvailable);
}

const codesOf = (errors: UserErrorShape[]) => errors.map((e) => [e.code, e.field]);

// ---- tests ---------------------------------------------------------------------------------------

describe('who may use the back office', () => {
  const cases: [string, () => Promise<[string, string, Record<string, unknown>]>][] = [
    ['productCreate', async () => [writer.url, AdminProductCreate, { input: draft() }]],
    [
      'productUpdate',
      async () => [writer.url, AdminProductUpdate, { id: randomUUID(), input: { title: 'x' } }],
    ],
    [
      'inventorySet',
      async () => [order.url, AdminInventorySet, { variantId: randomUUID(), quantity: 1 }],
    ],
  ];

  it.each(cases)('%s answers UNAUTHENTICATED to an anonymous caller', async (_name, operation) => {
    const [url, query, variables] = await operation();
    const reply = await call(url, query, variables, anonymous);
    expect(reply.data).toBeNull();
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it.each(cases)(
    '%s answers FORBIDDEN to a shopper who is not an admin',
    async (_name, operation) => {
      const [url, query, variables] = await operation();
      const reply = await call(url, query, variables, shopper);
      expect(reply.data).toBeNull();
      expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    },
  );

  it('creates nothing for a caller who is not an admin', async () => {
    const input = draft();
    await call(writer.url, AdminProductCreate, { input }, shopper);
    await call(writer.url, AdminProductCreate, { input }, anonymous);
    expect(await productBySlug(input.slug)).toBeNull();
  });

  it('keeps the order service internal stock entry point for admins and out of the public API', async () => {
    const internal = `mutation ($productId: ID!, $levels: [InventoryLevelInput!]!) {
      inventoryInitialize(productId: $productId, levels: $levels)
    }`;
    const variables = {
      productId: randomUUID(),
      levels: [{ variantId: randomUUID(), quantity: 5 }],
    };
    const reply = await call(order.url, internal, variables, shopper);
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const api = readFileSync(projectPath('schema', 'api.graphql'), 'utf8');
    expect(api).not.toMatch(/inventoryInitialize|InventoryLevelInput/);
  });
});

describe('productCreate', () => {
  it('creates a product that the next queries show everywhere, with its stock', async () => {
    const input = draft();
    // Warm every cache the product will show in: the slug (as a miss), listings, counts.
    expect(await productBySlug(input.slug)).toBeNull();
    const listedBefore = await listing('lighting');
    const allBefore = await listing(null);
    const countBefore = await productCount('lighting');

    const product = await created(input);
    expect(product.slug).toBe(input.slug);
    expect(product.variants.map((v) => v.sku)).toEqual(input.variants.map((v) => v.sku));

    const shown = await productBySlug(input.slug);
    expect(shown).toEqual({
      id: product.id,
      slug: input.slug,
      title: input.title,
      description: input.description,
      brand: 'Lumen',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      category: { slug: 'lighting' },
      featuredImage: { url: 'https://cdn.test.example/products/lamp/1.jpg', altText: 'The lamp' },
      images: [{ url: 'https://cdn.test.example/products/lamp/1.jpg', altText: 'The lamp' }],
      options: [{ name: 'Color', values: ['White', 'Black'] }],
      priceRange: {
        minVariantPrice: { amount: '49.90', currencyCode: 'USD' },
        maxVariantPrice: { amount: '54.00', currencyCode: 'USD' },
      },
      rating: { average: 0, count: 0 },
      variants: [
        {
          id: product.variants[0].id,
          sku: input.variants[0].sku,
          title: 'White',
          price: { amount: '49.90', currencyCode: 'USD' },
          selectedOptions: [{ name: 'Color', value: 'White' }],
        },
        {
          id: product.variants[1].id,
          sku: input.variants[1].sku,
          title: 'Black',
          price: { amount: '54.00', currencyCode: 'USD' },
          selectedOptions: [{ name: 'Color', value: 'Black' }],
        },
      ],
    });

    const listed = await listing('lighting');
    expect(listed.totalCount).toBe(listedBefore.totalCount + 1);
    expect(listed.nodes[0]).toEqual({ id: product.id, title: input.title });
    const all = await listing(null);
    expect(all.totalCount).toBe(allBefore.totalCount + 1);
    expect(all.nodes.map((n) => n.id)).toContain(product.id);
    expect(await productCount('lighting')).toBe((countBefore ?? 0) + 1);

    // Stock is the order service's: the quantities given are what can be sold.
    expect(await stockOf(product.variants.map((v) => v.id))).toEqual([7, 0]);
    const { _entities } = await ok<StockData>(order.url, Stock, {
      representations: [{ __typename: 'Product', id: product.id }],
    });
    expect(_entities).toEqual([{ id: product.id, availableForSale: true }]);
  });

  it('makes the slug from the title when none is given', async () => {
    const t = tag();
    const product = await created(draft({ slug: null, title: `Émile's Desk Lamp & Shade ${t}` }));
    expect(product.slug).toBe(`emile-s-desk-lamp-and-shade-${t}`);
    expect((await productBySlug(product.slug))?.id).toBe(product.id);
  });

  it('reports every invalid field as INVALID_INPUT with its path, and creates nothing', async () => {
    const input = draft();
    const sku = input.variants[0].sku;
    const countBefore = await productCount('lighting');
    const result = await create({
      ...input,
      title: '   ',
      categorySlug: 'no-such-category',
      variants: [
        { ...input.variants[0], price: '19.999' },
        { ...input.variants[1], sku, quantity: -1 },
      ],
    });
    expect(result.product).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([
      ['INVALID_INPUT', ['input', 'title']],
      ['INVALID_INPUT', ['input', 'variants', '0', 'price']],
      ['INVALID_INPUT', ['input', 'variants', '1', 'sku']],
      ['INVALID_INPUT', ['input', 'variants', '1', 'quantity']],
      ['INVALID_INPUT', ['input', 'categorySlug']],
    ]);
    for (const error of result.userErrors) expect(error.message).not.toBe('');
    expect(await productBySlug(input.slug)).toBeNull();
    expect(await productCount('lighting')).toBe(countBefore);
    // Nothing was claimed: the same slug and SKUs can be used at once.
    await created(input);
  });

  it.each<[string, (input: ReturnType<typeof draft>) => Record<string, unknown>, string[]]>([
    [
      'a price that is not a decimal amount',
      (i) => ({ variants: [{ ...i.variants[0], price: '12,50' }] }),
      ['input', 'variants', '0', 'price'],
    ],
    [
      'a negative price',
      (i) => ({ variants: [{ ...i.variants[0], price: '-1.00' }] }),
      ['input', 'variants', '0', 'price'],
    ],
    ['no variants', () => ({ variants: [] }), ['input', 'variants']],
    [
      'too many variants',
      (i) => ({
        variants: Array.from({ length: 101 }, (_, n) => ({
          ...i.variants[0],
          sku: `${i.variants[0].sku}-${n}`,
          selectedOptions: [{ name: 'Color', value: `Shade ${n}` }],
        })),
      }),
      ['input', 'variants'],
    ],
    ['a slug that is not URL-safe', () => ({ slug: 'Not A Slug' }), ['input', 'slug']],
    [
      'a SKU with spaces',
      (i) => ({ variants: [{ ...i.variants[0], sku: 'HAS SPACE' }] }),
      ['input', 'variants', '0', 'sku'],
    ],
    [
      'two variants with the same options',
      (i) => ({
        variants: [
          i.variants[0],
          { ...i.variants[1], selectedOptions: i.variants[0].selectedOptions },
        ],
      }),
      ['input', 'variants', '1', 'selectedOptions'],
    ],
    [
      'an image URL that is not https',
      () => ({ images: [{ url: 'ftp://example.com/a.jpg' }] }),
      ['input', 'images', '0', 'url'],
    ],
  ])('answers INVALID_INPUT for %s', async (_case, change, field) => {
    const input = draft();
    const result = await create({ ...input, ...change(input) });
    expect(result.product).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([['INVALID_INPUT', field]]);
  });

  it('answers SLUG_TAKEN for a slug in use and leaves the catalog as it was', async () => {
    const first = await created();
    const countBefore = await productCount('lighting');
    const again = draft({ slug: first.slug });
    const result = await create(again);
    expect(result.product).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([['SLUG_TAKEN', ['input', 'slug']]]);
    expect((await productBySlug(first.slug))?.id).toBe(first.id);
    expect(await productCount('lighting')).toBe(countBefore);
    // The SKUs the failed create claimed for a moment are free again.
    await created(draft({ variants: again.variants }));
  });

  it('answers SKU_TAKEN for a SKU in use and releases the slug it claimed', async () => {
    const first = await created();
    const input = draft();
    const result = await create({
      ...input,
      variants: [input.variants[0], { ...input.variants[1], sku: first.variants[1].sku }],
    });
    expect(result.product).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([['SKU_TAKEN', ['input', 'variants', '1', 'sku']]]);
    expect(await productBySlug(input.slug)).toBeNull();
    const retried = await created(input);
    expect(retried.slug).toBe(input.slug);
  });

  it('lets exactly one of concurrent creates with the same slug win', async () => {
    const slug = `bo-race-${tag()}`;
    const countBefore = await productCount('lighting');
    const results = await Promise.all(Array.from({ length: 8 }, () => create(draft({ slug }))));
    const winners = results.filter((r) => r.product !== null);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.product === null))
      expect(codesOf(loser.userErrors)).toEqual([['SLUG_TAKEN', ['input', 'slug']]]);
    expect((await productBySlug(slug))?.id).toBe(winners[0].product?.id);
    expect(await productCount('lighting')).toBe((countBefore ?? 0) + 1);
  });

  it('lets exactly one of concurrent creates with the same SKU win', async () => {
    const sku = `BO-RACE-${tag()}`;
    const inputs = Array.from({ length: 6 }, () => {
      const input = draft();
      return { ...input, variants: [{ ...input.variants[0], sku }] };
    });
    const results = await Promise.all(inputs.map((input) => create(input)));
    const winners = results.filter((r) => r.product !== null);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.product === null))
      expect(codesOf(loser.userErrors)).toEqual([['SKU_TAKEN', ['input', 'variants', '0', 'sku']]]);
    // The losers' slugs were released.
    const shown = await Promise.all(inputs.map((input) => productBySlug(input.slug)));
    expect(shown.filter((p) => p !== null).map((p) => p?.id)).toEqual([winners[0].product?.id]);
  });

  it('creates nothing and keeps slug and SKUs free when the order service cannot take the stock', async () => {
    const input = draft();
    const reply = await call<CreateData>(cutOff.url, AdminProductCreate, { input });
    expect(reply.data).toBeNull();
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(reply)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|order service/);
    expect(await productBySlug(input.slug)).toBeNull();
    await created(input);
  });
});

describe('productUpdate', () => {
  const update = async (id: string, input: Record<string, unknown>) =>
    (await ok<UpdateData>(writer.url, AdminProductUpdate, { id, input })).productUpdate;

  it('changes title and description at once, re-sorts the listings and moves updatedAt', async () => {
    const input = draft({ categorySlug: 'books' });
    const product = await created(input);
    const before = await productBySlug(input.slug);
    await listing('books', 'TITLE');
    await listing(null, 'TITLE', 5);

    const t = tag();
    const result = await update(product.id, {
      title: `  000 First By Title ${t} `,
      description: 'Now with a new description.',
    });
    expect(result).toEqual({
      product: {
        id: product.id,
        title: `000 First By Title ${t}`,
        description: 'Now with a new description.',
      },
      userErrors: [],
    });
    const after = await productBySlug(input.slug);
    expect(after).toMatchObject({
      id: product.id,
      title: `000 First By Title ${t}`,
      description: 'Now with a new description.',
      brand: 'Lumen',
      createdAt: before?.createdAt,
    });
    expect(Date.parse(after?.updatedAt ?? '')).toBeGreaterThan(Date.parse(before?.updatedAt ?? ''));
    expect((await listing('books', 'TITLE')).nodes[0]).toEqual({
      id: product.id,
      title: `000 First By Title ${t}`,
    });
    expect((await listing(null, 'TITLE', 5)).nodes[0].id).toBe(product.id);
  });

  it('moves a product to another category: listings and both counts follow', async () => {
    const input = draft({ categorySlug: 'kitchen' });
    const product = await created(input);
    const [kitchenBefore, coffeeBefore] = [await listing('kitchen'), await listing('coffee')];
    const counts = [await productCount('kitchen'), await productCount('coffee')];
    const totalBefore = (await listing(null)).totalCount;

    const result = await update(product.id, { categorySlug: 'coffee' });
    expect(result.userErrors).toEqual([]);

    expect((await productBySlug(input.slug))?.category).toEqual({ slug: 'coffee' });
    const [kitchen, coffee] = [await listing('kitchen'), await listing('coffee')];
    expect(kitchen.nodes.map((n) => n.id)).not.toContain(product.id);
    expect(kitchen.totalCount).toBe(kitchenBefore.totalCount - 1);
    expect(coffee.nodes.map((n) => n.id)).toContain(product.id);
    expect(coffee.totalCount).toBe(coffeeBefore.totalCount + 1);
    expect([await productCount('kitchen'), await productCount('coffee')]).toEqual([
      (counts[0] ?? 0) - 1,
      (counts[1] ?? 0) + 1,
    ]);
    expect((await listing(null)).totalCount).toBe(totalBefore);
  });

  it('removes the brand when given an empty one and leaves fields not given as they are', async () => {
    const input = draft();
    const product = await created(input);
    expect((await update(product.id, { brand: '' })).userErrors).toEqual([]);
    expect(await productBySlug(input.slug)).toMatchObject({
      brand: null,
      title: input.title,
      description: input.description,
      category: { slug: 'lighting' },
    });
  });

  it('answers NOT_FOUND for an unknown product', async () => {
    const result = await update(randomUUID(), { title: 'Nothing here' });
    expect(result.product).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([['NOT_FOUND', ['id']]]);
  });

  it('answers INVALID_INPUT for an empty title or an unknown category, and changes nothing', async () => {
    const input = draft();
    const product = await created(input);
    const result = await update(product.id, { title: ' ', categorySlug: 'no-such-category' });
    expect(result.product).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([
      ['INVALID_INPUT', ['input', 'title']],
      ['INVALID_INPUT', ['input', 'categorySlug']],
    ]);
    expect(await productBySlug(input.slug)).toMatchObject({
      title: input.title,
      category: { slug: 'lighting' },
    });
  });
});

describe('inventorySet', () => {
  const set = async (variantId: string, quantity: number) =>
    (await ok<InventoryData>(order.url, AdminInventorySet, { variantId, quantity })).inventorySet;

  it('sets what can be sold, as quantityAvailable shows at once', async () => {
    const product = await created();
    const [white, black] = product.variants.map((v) => v.id);
    expect(await stockOf([white, black])).toEqual([7, 0]);
    expect(await set(black, 12)).toEqual({
      variant: { id: black, quantityAvailable: 12 },
      userErrors: [],
    });
    expect(await set(white, 0)).toEqual({
      variant: { id: white, quantityAvailable: 0 },
      userErrors: [],
    });
    expect(await stockOf([white, black])).toEqual([0, 12]);
  });

  it('answers INVALID_INPUT for a negative quantity and keeps the stock', async () => {
    const product = await created();
    const variantId = product.variants[0].id;
    const result = await set(variantId, -3);
    expect(result.variant).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([['INVALID_INPUT', ['quantity']]]);
    expect(await stockOf([variantId])).toEqual([7]);
  });

  it('answers NOT_FOUND for a variant the store does not know', async () => {
    const result = await set(randomUUID(), 5);
    expect(result.variant).toBeNull();
    expect(codesOf(result.userErrors)).toEqual([['NOT_FOUND', ['variantId']]]);
  });
});
