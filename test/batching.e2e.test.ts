/**
 * What reaches the stores for the storefront's hottest pages. The numbers are constants: they do
 * not grow with the page size, and a warm cache keeps DynamoDB out of the request entirely.
 */
import { ProductDetailDocument, ProductListingDocument } from '../schema/generated/operations';
import { execute, startStack, type Stack } from './support/stack';

let stack: Stack;

beforeAll(async () => {
  // The search index holds the seeded catalog (global setup); its feed reader is off, so it adds
  // nothing to what is counted.
  stack = await startStack({ cache: 'redis', searchFeed: false });
});
afterAll(() => stack.stop());

async function measure<T>(run: () => Promise<T>) {
  stack.counters.reset();
  const result = await run();
  return { result, dynamo: [...stack.counters.dynamo], postgres: stack.counters.postgres };
}

describe('ProductListing with every contract field', () => {
  it.each([5, 20, 100])(
    'costs the same few requests for %d products with a cold cache',
    async (first) => {
      // Each page size is its own listing key, so every run here starts cold for the listing.
      const cold = await measure(() =>
        execute(stack.gatewayUrl, ProductListingDocument, {
          first,
          sort: 'NEWEST',
          categorySlug: null,
        }),
      );
      expect(cold.result.errors).toBeUndefined();
      expect(cold.result.data?.products.edges).toHaveLength(first);
      // One Query on the sort index for the page, one BatchGetItem for the catalog count and one
      // for the products not yet cached; one `= ANY($1)` query for stock.
      expect(cold.dynamo.filter((c) => c === 'Query')).toHaveLength(1);
      expect(cold.dynamo.length).toBeLessThanOrEqual(3);
      expect(cold.postgres).toBe(1);
      process.stdout.write(
        `listing first=${first} cold: dynamo ${JSON.stringify(cold.dynamo)}, postgres ${cold.postgres}\n`,
      );
    },
  );

  it('makes no DynamoDB request at all when the cache is warm', async () => {
    const variables = { first: 20, sort: 'TITLE' as const, categorySlug: 'laptops' };
    const cold = await measure(() => execute(stack.gatewayUrl, ProductListingDocument, variables));
    expect([...cold.dynamo].sort()).toEqual(['BatchGetItem', 'BatchGetItem', 'Query']);
    const warm = await measure(() => execute(stack.gatewayUrl, ProductListingDocument, variables));
    expect(warm.result.data).toEqual(cold.result.data);
    expect(warm.dynamo).toEqual([]);
    // Stock is live data: it is read on every request, in one batched query.
    expect(warm.postgres).toBe(1);
  });
});

describe('ProductDetail', () => {
  it('batches a product page into a handful of requests and none to DynamoDB when warm', async () => {
    const listing = await execute(stack.gatewayUrl, ProductListingDocument, {
      first: 1,
      sort: 'PRICE_DESC',
    });
    const slug = listing.data?.products.edges[0]?.node.slug;
    if (!slug) throw new Error('no product');
    const cold = await measure(() => execute(stack.gatewayUrl, ProductDetailDocument, { slug }));
    expect(cold.result.errors).toBeUndefined();
    process.stdout.write(
      `detail cold: dynamo ${JSON.stringify(cold.dynamo)}, postgres ${cold.postgres}\n`,
    );
    // slug -> product -> (variants + category) + reviews, then the similar products' records;
    // the product itself is cached already. PostgreSQL: the variants' stock, and whether the
    // product and its similar products are available (one query each round).
    expect(cold.result.data?.product?.similarProducts).toHaveLength(8);
    expect(cold.dynamo.length).toBeLessThanOrEqual(6);
    expect(cold.postgres).toBeLessThanOrEqual(3);
    const warm = await measure(() => execute(stack.gatewayUrl, ProductDetailDocument, { slug }));
    expect(warm.result.data).toEqual(cold.result.data);
    expect(warm.dynamo).toEqual([]);
  });
});
