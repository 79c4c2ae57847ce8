/**
 * reviewAdd on the product subgraph: signed-in shoppers only, one review per shopper and
 * product, and a rating and review list that show the review on the next query. The subgraph
 * runs over a catalog table of its own (reviews of seeded products would change what the catalog
 * tests expect), as two replicas sharing one Redis namespace: reviews are written through one
 * and read through the other.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRedisCache, type SharedCache } from '../../../common/cache';
import { createDynamoClient } from '../../../common/dynamo';
import type { RunningServer } from '../../../common/http';
import { signIdentity, type Viewer } from '../../../common/identity';
import { createLogger } from '../../../common/logger';
import { serveSubgraph } from '../../../common/subgraph';
import { createProductSubgraph } from '../src/server';
import type { StockWriter } from '../src/order.client';
import { dynamoEndpoint, testServices } from '../../../test/support/services';
import { createEmptyCatalog } from '../../../test/support/catalog-table';

const secret = randomBytes(32).toString('base64url');
const logger = createLogger('test', { silent: true });
const dynamo = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
const table = `reviews-${process.pid}-${Date.now()}`;
/** Stock is not what these tests are about: the products are created with a stand-in. */
const noStock: StockWriter = { initialize: async () => undefined };
let redis: SharedCache;
let writer: RunningServer;
let reader: RunningServer;

async function serveProduct(): Promise<RunningServer> {
  const graph = await createProductSubgraph({
    dynamo,
    table,
    cache: redis.namespace(`test:reviews:${process.pid}:${table}:`),
    cacheTtlSeconds: 300,
    assetBaseUrl: 'https://cdn.test.example',
    stock: noStock,
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
  [writer, reader] = await Promise.all([serveProduct(), serveProduct()]);
});

afterAll(async () => {
  await Promise.allSettled([writer?.close(), reader?.close()]);
  await redis?.close();
  dynamo.destroy();
});

const user = (isAdmin: boolean): Extract<Viewer, { kind: 'user' }> => {
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

interface Reply<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function call<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
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

async function ok<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
): Promise<T> {
  const reply = await call<T>(url, query, variables, viewer);
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error('no data');
  return reply.data;
}

/** The contract's operation. */
const ReviewAdd = `mutation ReviewAdd($input: ReviewAddInput!) {
  reviewAdd(input: $input) {
    review { id rating title body authorName createdAt }
    userErrors { code field message }
  }
}`;

const ProductReviews = `query ($slug: String!) {
  product(slug: $slug) {
    id
    rating { average count }
    reviews(first: 5) {
      totalCount
      nodes { id rating title body authorName createdAt }
    }
  }
}`;

const Listing = `query ($categorySlug: String) {
  products(first: 50, filter: { categorySlug: $categorySlug }, sort: NEWEST) {
    nodes { id rating { average count } }
  }
}`;

interface ReviewShape {
  id: string;
  rating: number;
  title: string;
  body: string;
  authorName: string;
  createdAt: string;
}
interface ReviewAddData {
  reviewAdd: {
    review: ReviewShape | null;
    userErrors: { code: string; field: string[] | null; message: string }[];
  };
}
interface ProductReviewsData {
  product: {
    id: string;
    rating: { average: number; count: number };
    reviews: { totalCount: number; nodes: ReviewShape[] };
  } | null;
}
interface ListingData {
  products: { nodes: { id: string; rating: { average: number; count: number } }[] };
}

/** A new product of its own for each test, so reviews never meet across tests. */
async function newProduct(): Promise<{ id: string; slug: string }> {
  const t = randomUUID().slice(0, 8);
  const data = await ok<{
    productCreate: { product: { id: string; slug: string } | null; userErrors: unknown[] };
  }>(
    writer.url,
    `mutation ($input: ProductCreateInput!) {
      productCreate(input: $input) { product { id slug } userErrors { code field message } }
    }`,
    {
      input: {
        title: `Reviewed Kettle ${t}`,
        description: 'A kettle to review.',
        categorySlug: 'kitchen',
        variants: [{ sku: `RV-${t}`, title: 'Steel', price: '39.00', quantity: 3 }],
      },
    },
    admin,
  );
  expect(data.productCreate.userErrors).toEqual([]);
  if (!data.productCreate.product) throw new Error('not created');
  return data.productCreate.product;
}

const review = (productId: string, overrides: Record<string, unknown> = {}) => ({
  productId,
  rating: 4,
  title: 'Boils fast',
  body: 'Quiet, quick and easy to pour.',
  ...overrides,
});

const add = async (input: Record<string, unknown>, viewer: Viewer) =>
  (await ok<ReviewAddData>(writer.url, ReviewAdd, { input }, viewer)).reviewAdd;

const reviewsOf = async (slug: string) =>
  (await ok<ProductReviewsData>(reader.url, ProductReviews, { slug }, { kind: 'anonymous' }))
    .product;

describe('reviewAdd', () => {
  it('answers UNAUTHENTICATED to an anonymous caller and adds nothing', async () => {
    const product = await newProduct();
    const reply = await call(
      writer.url,
      ReviewAdd,
      { input: review(product.id) },
      {
        kind: 'anonymous',
      },
    );
    expect(reply.data).toBeNull();
    expect(reply.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect((await reviewsOf(product.slug))?.rating).toEqual({ average: 0, count: 0 });
  });

  it("adds a shopper's review that the product's rating and reviews show at once", async () => {
    const product = await newProduct();
    const shopper = user(false);
    // Warm the cached product record, its first review page and the listing.
    expect(await reviewsOf(product.slug)).toEqual({
      id: product.id,
      rating: { average: 0, count: 0 },
      reviews: { totalCount: 0, nodes: [] },
    });
    await ok<ListingData>(reader.url, Listing, { categorySlug: 'kitchen' }, shopper);

    const result = await add(review(product.id, { title: '  Boils fast ' }), shopper);
    expect(result.userErrors).toEqual([]);
    const tag = shopper.sub.replace(/-/g, '').slice(0, 6).toUpperCase();
    expect(result.review).toEqual({
      id: expect.any(String),
      rating: 4,
      title: 'Boils fast',
      body: 'Quiet, quick and easy to pour.',
      authorName: `Shopper ${tag}`,
      createdAt: expect.any(String),
    });
    expect(Date.now() - Date.parse(result.review?.createdAt ?? '')).toBeLessThan(60_000);

    expect(await reviewsOf(product.slug)).toEqual({
      id: product.id,
      rating: { average: 4, count: 1 },
      reviews: { totalCount: 1, nodes: [result.review] },
    });
    const listed = await ok<ListingData>(reader.url, Listing, { categorySlug: 'kitchen' }, shopper);
    expect(listed.products.nodes.find((n) => n.id === product.id)?.rating).toEqual({
      average: 4,
      count: 1,
    });
  });

  it('averages the ratings of several shoppers, newest review first, with the names they chose', async () => {
    const product = await newProduct();
    const first = await add(review(product.id, { rating: 5, authorName: 'Ada L.' }), user(false));
    const second = await add(
      review(product.id, { rating: 2, authorName: ' Grace H. ' }),
      user(false),
    );
    const third = await add(review(product.id, { rating: 4 }), user(true));
    expect([first, second, third].flatMap((r) => r.userErrors)).toEqual([]);
    const shown = await reviewsOf(product.slug);
    expect(shown?.rating).toEqual({ average: 3.7, count: 3 });
    expect(shown?.reviews.totalCount).toBe(3);
    expect(shown?.reviews.nodes.map((n) => [n.rating, n.authorName])).toEqual([
      [4, expect.stringMatching(/^Shopper [0-9A-F]{6}$/)],
      [2, 'Grace H.'],
      [5, 'Ada L.'],
    ]);
  });

  it('answers ALREADY_REVIEWED to a second review by the same shopper and keeps the first', async () => {
    const product = await newProduct();
    const shopper = user(false);
    const first = await add(review(product.id, { rating: 5 }), shopper);
    expect(first.userErrors).toEqual([]);
    const second = await add(review(product.id, { rating: 1, title: 'Changed my mind' }), shopper);
    expect(second.review).toBeNull();
    expect(second.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['ALREADY_REVIEWED', ['input', 'productId']],
    ]);
    expect(await reviewsOf(product.slug)).toMatchObject({
      rating: { average: 5, count: 1 },
      reviews: { totalCount: 1, nodes: [first.review] },
    });
  });

  it('lets exactly one of concurrent reviews by the same shopper through', async () => {
    const product = await newProduct();
    const shopper = user(false);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((rating) => add(review(product.id, { rating }), shopper)),
    );
    expect(results.filter((r) => r.review !== null)).toHaveLength(1);
    expect(results.flatMap((r) => r.userErrors.map((e) => e.code))).toEqual(
      Array(4).fill('ALREADY_REVIEWED'),
    );
    expect((await reviewsOf(product.slug))?.rating.count).toBe(1);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a rating of 0', { rating: 0 }, ['input', 'rating']],
    ['a rating of 6', { rating: 6 }, ['input', 'rating']],
    ['an empty title', { title: '   ' }, ['input', 'title']],
    ['an empty review', { body: '' }, ['input', 'body']],
    ['a review over 5,000 characters', { body: 'x'.repeat(5_001) }, ['input', 'body']],
  ])('answers INVALID_INPUT for %s and adds nothing', async (_case, change, field) => {
    const product = await newProduct();
    const shopper = user(false);
    const result = await add(review(product.id, change), shopper);
    expect(result.review).toBeNull();
    expect(result.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID_INPUT', field]]);
    expect((await reviewsOf(product.slug))?.rating.count).toBe(0);
    // The shopper can still review the product properly.
    expect((await add(review(product.id), shopper)).userErrors).toEqual([]);
  });

  it('answers NOT_FOUND for a product that does not exist', async () => {
    const result = await add(review(randomUUID()), user(false));
    expect(result.review).toBeNull();
    expect(result.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['NOT_FOUND', ['input', 'productId']],
    ]);
  });
});
