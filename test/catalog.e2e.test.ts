/** The catalog operations of the client contract, through the gateway over HTTP. */
import { Pool } from 'pg';
import {
  CategoriesDocument,
  ProductByIdDocument,
  ProductDetailDocument,
  ProductListingDocument,
  type ProductSort,
} from '../schema/generated/operations';
import { generateCatalog } from '../dev/seed/generate';
import { testDatabaseUrl, testServices } from './support/services';
import { execute, startStack, type Stack } from './support/stack';

const catalog = [...generateCatalog({ products: testServices.seedProducts })];
const byId = new Map(catalog.map((p) => [p.product.id, p]));
const money = (minor: number) =>
  `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

let stack: Stack;
let pool: Pool;

beforeAll(async () => {
  stack = await startStack();
  pool = new Pool({ connectionString: testDatabaseUrl() });
});
afterAll(async () => {
  await stack.stop();
  await pool.end();
});

async function listing(variables: {
  first: number;
  after?: string | null;
  categorySlug?: string | null;
  sort?: ProductSort | null;
}) {
  const result = await execute(stack.gatewayUrl, ProductListingDocument, variables);
  expect(result.errors).toBeUndefined();
  if (!result.data) throw new Error('no data');
  return result.data.products;
}

describe('Categories', () => {
  it('lists every category with its product count', async () => {
    const result = await execute(stack.gatewayUrl, CategoriesDocument, {});
    expect(result.errors).toBeUndefined();
    const categories = result.data?.categories ?? [];
    expect(categories.length).toBeGreaterThanOrEqual(12);
    const expected = new Map<string, number>();
    for (const { product } of catalog)
      expected.set(product.categorySlug, (expected.get(product.categorySlug) ?? 0) + 1);
    for (const category of categories)
      expect(category.productCount).toBe(expected.get(category.slug));
    expect(categories.reduce((sum, c) => sum + c.productCount, 0)).toBe(catalog.length);
  });
});

describe('ProductListing', () => {
  it('returns a page of product cards with every contract field from the real stores', async () => {
    const page = await listing({ first: 20 });
    expect(page.totalCount).toBe(catalog.length);
    expect(page.edges).toHaveLength(20);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const stock = await pool.query<{ product_id: string; available: boolean }>(
      'SELECT product_id, bool_or(quantity > 0) AS available FROM orders.stock WHERE product_id = ANY($1) GROUP BY product_id',
      [page.edges.map((e) => e.node.id)],
    );
    const available = new Map(stock.rows.map((r) => [r.product_id, r.available]));
    for (const { node } of page.edges) {
      const seeded = byId.get(node.id);
      if (!seeded) throw new Error(`unknown product ${node.id}`);
      const { product, reviews } = seeded;
      expect(node).toEqual({
        id: product.id,
        slug: product.slug,
        title: product.title,
        brand: product.brand,
        featuredImage: {
          url: `https://cdn.test.example/${product.images[0].key}`,
          altText: product.images[0].altText,
        },
        priceRange: {
          minVariantPrice: { amount: money(product.minPrice), currencyCode: 'USD' },
          maxVariantPrice: { amount: money(product.maxPrice), currencyCode: 'USD' },
        },
        availableForSale: available.get(product.id),
        rating: {
          average: reviews.length ? Math.round((product.ratingSum / reviews.length) * 10) / 10 : 0,
          count: reviews.length,
        },
      });
    }
  });

  it.each<[ProductSort, (a: (typeof catalog)[number], b: (typeof catalog)[number]) => number]>([
    [
      'FEATURED',
      (a, b) =>
        a.product.featuredRank - b.product.featuredRank || a.product.id.localeCompare(b.product.id),
    ],
    [
      'TITLE',
      (a, b) =>
        a.product.title.toLowerCase() + '#' + a.product.id <
        b.product.title.toLowerCase() + '#' + b.product.id
          ? -1
          : 1,
    ],
    [
      'PRICE_ASC',
      (a, b) => a.product.minPrice - b.product.minPrice || a.product.id.localeCompare(b.product.id),
    ],
    [
      'PRICE_DESC',
      (a, b) => b.product.minPrice - a.product.minPrice || b.product.id.localeCompare(a.product.id),
    ],
    [
      'NEWEST',
      (a, b) =>
        b.product.createdAt.localeCompare(a.product.createdAt) ||
        b.product.id.localeCompare(a.product.id),
    ],
  ])('orders a category by %s', async (sort, compare) => {
    const categorySlug = 'headphones';
    const expected = catalog
      .filter((p) => p.product.categorySlug === categorySlug)
      .sort(compare)
      .slice(0, 30)
      .map((p) => p.product.id);
    const page = await listing({ first: 30, categorySlug, sort });
    expect(page.edges.map((e) => e.node.id)).toEqual(expected);
  });

  it('walks every page of a listing and sees each product exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Awaited<ReturnType<typeof listing>> = await listing({
        first: 100,
        after,
        sort: 'PRICE_ASC',
      });
      seen.push(...page.edges.map((e) => e.node.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(catalog.length / 100));
    expect(seen).toHaveLength(catalog.length);
    expect(new Set(seen).size).toBe(catalog.length);
  });

  it('filters by category, and an unknown category is an empty listing', async () => {
    const page = await listing({ first: 100, categorySlug: 'coffee' });
    const expected = catalog.filter((p) => p.product.categorySlug === 'coffee').length;
    expect(page.totalCount).toBe(expected);
    for (const { node } of page.edges)
      expect(byId.get(node.id)?.product.categorySlug).toBe('coffee');
    const none = await listing({ first: 10, categorySlug: 'no-such-category' });
    expect(none).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      edges: [],
    });
  });

  it.each([101, -1])('rejects first=%d with BAD_USER_INPUT', async (first) => {
    const result = await execute(stack.gatewayUrl, ProductListingDocument, { first });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/between 0 and 100/);
  });

  it('rejects a forged or foreign cursor with BAD_USER_INPUT', async () => {
    const page = await listing({ first: 5, sort: 'TITLE' });
    for (const variables of [
      { first: 5, after: 'not-a-cursor' },
      { first: 5, after: page.pageInfo.endCursor, sort: 'NEWEST' as const },
      { first: 5, after: page.pageInfo.endCursor, sort: 'TITLE' as const, categorySlug: 'books' },
    ]) {
      const result = await execute(stack.gatewayUrl, ProductListingDocument, variables);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('ProductDetail', () => {
  const withDocs = catalog.find(
    (p) => p.product.documents.length > 0 && p.reviews.length > 5 && p.variants.length > 2,
  );

  it('returns the whole product page for a slug', async () => {
    if (!withDocs) throw new Error('seed has no product with documents, reviews and variants');
    const { product, variants, reviews, stock } = withDocs;
    const result = await execute(stack.gatewayUrl, ProductDetailDocument, { slug: product.slug });
    expect(result.errors).toBeUndefined();
    const detail = result.data?.product;
    expect(detail?.id).toBe(product.id);
    expect(detail?.description).toBe(product.description);
    expect(detail?.category.slug).toBe(product.categorySlug);
    expect(detail?.images.map((i) => i.url)).toEqual(
      product.images.map((i) => `https://cdn.test.example/${i.key}`),
    );
    expect(detail?.documents).toEqual(
      product.documents.map((d) => ({ title: d.title, url: `https://cdn.test.example/${d.key}` })),
    );
    expect(detail?.options).toEqual(product.options);
    expect(detail?.variants).toEqual(
      variants.map((v) => ({
        id: v.id,
        sku: v.sku,
        title: v.title,
        price: { amount: money(v.price), currencyCode: 'USD' },
        selectedOptions: v.selectedOptions,
        quantityAvailable: stock.get(v.id),
        availableForSale: (stock.get(v.id) ?? 0) > 0,
      })),
    );
    expect(detail?.availableForSale).toBe(variants.some((v) => (stock.get(v.id) ?? 0) > 0));
    expect(detail?.reviews.totalCount).toBe(reviews.length);
    const newest = [...reviews]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, 5);
    expect(detail?.reviews.nodes).toEqual(
      newest.map((r) => ({
        id: r.id,
        rating: r.rating,
        title: r.title,
        body: r.body,
        authorName: r.authorName,
        createdAt: r.createdAt,
      })),
    );
  });

  it('is null, not an error, for an unknown slug or id', async () => {
    const bySlug = await execute(stack.gatewayUrl, ProductDetailDocument, {
      slug: 'no-such-product',
    });
    expect(bySlug).toEqual({ status: 200, data: { product: null } });
    const byIdResult = await execute(stack.gatewayUrl, ProductByIdDocument, { id: 'no-such-id' });
    expect(byIdResult).toEqual({ status: 200, data: { product: null } });
  });

  it('finds a product by id', async () => {
    const { product } = catalog[7];
    const result = await execute(stack.gatewayUrl, ProductByIdDocument, { id: product.id });
    expect(result.errors).toBeUndefined();
    expect(result.data?.product?.slug).toBe(product.slug);
  });
});
