/**
 * Search over the demo catalog's first 2,000 products: facet counts against a direct count in
 * SQL, filters and sorts, pagination, corrections and bad input.
 */
import type { GraphQLError } from 'graphql';
import { contextOf } from '../../../common/context';
import { anonymous as anonymousIdentity } from '../../../common/identity';
import { SearchService, type SearchArgs } from '../src/search.service';
import { createTestIndex, type TestIndex } from './support';

let index: TestIndex;
let search: SearchService;
const anonymous = contextOf(anonymousIdentity);

beforeAll(async () => {
  index = await createTestIndex(2000);
  search = new SearchService(index.pool, 'USD');
});
afterAll(async () => {
  await index?.drop();
});

/** Every product id the search returns, walking all pages of `pageSize`. */
async function walk(args: Omit<SearchArgs, 'first' | 'after'>, pageSize: number) {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const result = await search.search(anonymous, { ...args, first: pageSize, after });
    ids.push(...result.edges.map((e) => e.node.id));
    if (!result.pageInfo.hasNextPage) return ids;
    after = result.pageInfo.endCursor;
  }
  throw new Error('too many pages');
}

async function sqlCount(where: string, params: unknown[] = []): Promise<number> {
  const { rows } = await index.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM documents WHERE ${where}`,
    params,
  );
  return Number(rows[0].n);
}

const matches = "document @@ to_tsquery('english', 'wireless')";

describe('facets', () => {
  it('counts each category, brand and price range as a direct SQL count does', async () => {
    const result = await search.search(anonymous, { query: 'wireless', first: 0 });
    expect(result.totalCount).toBe(await sqlCount(matches));
    const byName = new Map(result.facets.map((f) => [f.name, f.values]));
    expect([...byName.keys()]).toEqual(['category', 'brand', 'price']);
    for (const value of byName.get('category') ?? []) {
      expect(value.count).toBe(await sqlCount(`${matches} AND category_slug = $1`, [value.value]));
    }
    for (const value of byName.get('brand') ?? []) {
      expect(value.count).toBe(await sqlCount(`${matches} AND brand = $1`, [value.value]));
    }
    let priced = 0;
    for (const value of byName.get('price') ?? []) {
      const [low, high] = value.value.split('-');
      const conditions = [`${matches}`, `min_price >= ${Math.round(Number(low) * 100)}`];
      if (high) conditions.push(`min_price <= ${Math.round(Number(high) * 100)}`);
      expect(value.count).toBe(await sqlCount(conditions.join(' AND ')));
      priced += value.count;
    }
    expect(priced).toBe(result.totalCount);
  });

  it('counts each facet under the other active filters but not its own', async () => {
    const filter = { brands: ['Sonora'], categorySlugs: ['headphones'], priceMin: '50.00' };
    const result = await search.search(anonymous, { query: 'wireless', first: 0, filter });
    const byName = new Map(result.facets.map((f) => [f.name, f.values]));
    expect(result.totalCount).toBe(
      await sqlCount(
        `${matches} AND brand = 'Sonora' AND category_slug = 'headphones' AND min_price >= 5000`,
      ),
    );
    // Brands: under the category and price filters, every brand that has wireless headphones.
    for (const value of byName.get('brand') ?? []) {
      expect(value.count).toBe(
        await sqlCount(
          `${matches} AND category_slug = 'headphones' AND min_price >= 5000 AND brand = $1`,
          [value.value],
        ),
      );
    }
    expect((byName.get('brand') ?? []).length).toBeGreaterThan(1);
    for (const value of byName.get('category') ?? []) {
      expect(value.count).toBe(
        await sqlCount(
          `${matches} AND brand = 'Sonora' AND min_price >= 5000 AND category_slug = $1`,
          [value.value],
        ),
      );
    }
    const cheap = byName.get('price')?.find((v) => v.value === '25.00-49.99');
    expect(cheap?.count).toBe(
      await sqlCount(
        `${matches} AND brand = 'Sonora' AND category_slug = 'headphones' AND min_price BETWEEN 2500 AND 4999`,
      ),
    );
  });

  it('gives price ranges a value the price filter takes back', async () => {
    const result = await search.search(anonymous, { query: '', first: 0 });
    const ranges = result.facets.find((f) => f.name === 'price')?.values ?? [];
    expect(ranges.map((r) => r.label)).toContain('$100.00 – $249.99');
    for (const range of ranges) {
      const [priceMin, priceMax] = range.value.split('-');
      const filtered = await search.search(anonymous, {
        query: '',
        first: 0,
        filter: { priceMin, priceMax: priceMax || null },
      });
      expect(filtered.totalCount).toBe(range.count);
    }
  });
});

describe('filters and sorts', () => {
  it('applies categories, brands, a price range and stock together', async () => {
    const filter = {
      categorySlugs: ['headphones', 'speakers'],
      brands: ['Sonora', 'Aurelis'],
      priceMin: '100.00',
      priceMax: '400.00',
      inStock: true,
    };
    const ids = await walk({ query: '', filter }, 50);
    const expected = index.documents.filter(
      (d) =>
        ['headphones', 'speakers'].includes(d.categorySlug) &&
        ['Sonora', 'Aurelis'].includes(d.brand ?? '') &&
        d.minPrice >= 10_000 &&
        d.minPrice <= 40_000 &&
        d.inStock,
    );
    expect(expected.length).toBeGreaterThan(10);
    expect(new Set(ids)).toEqual(new Set(expected.map((d) => d.id)));
  });

  it('finds sold-out products only when asked for them', async () => {
    const soldOut = index.documents.filter((d) => !d.inStock);
    const result = await search.search(anonymous, {
      query: '',
      first: 100,
      filter: { inStock: false },
    });
    expect(soldOut.length).toBeGreaterThan(0);
    expect(soldOut.length).toBeLessThanOrEqual(100);
    expect(result.totalCount).toBe(soldOut.length);
    expect(new Set(result.edges.map((e) => e.node.id))).toEqual(new Set(soldOut.map((d) => d.id)));
  });

  it.each([
    ['PRICE_ASC', (a: number, b: number) => a <= b],
    ['PRICE_DESC', (a: number, b: number) => a >= b],
  ] as const)('sorts by %s across pages', async (sort, inOrder) => {
    const ids = await walk({ query: 'speaker', sort }, 7);
    const price = new Map(index.documents.map((d) => [d.id, d.minPrice]));
    const prices = ids.map((id) => price.get(id) ?? -1);
    prices.slice(1).forEach((p, i) => expect(inOrder(prices[i], p)).toBe(true));
    expect(ids.length).toBe(await sqlCount("document @@ to_tsquery('english', 'speaker')"));
  });

  it('sorts by NEWEST, and browses newest first without a query', async () => {
    const created = new Map(index.documents.map((d) => [d.id, Date.parse(d.createdAt)]));
    for (const query of ['coffee', '']) {
      const result = await search.search(anonymous, { query, first: 20, sort: 'NEWEST' });
      const times = result.edges.map((e) => created.get(e.node.id) ?? 0);
      times.slice(1).forEach((t, i) => expect(times[i]).toBeGreaterThanOrEqual(t));
    }
    const browse = await search.search(anonymous, { query: '  ', first: 5 });
    const newest = [...index.documents]
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? -1 : 1))
      .slice(0, 5);
    expect(browse.edges.map((e) => e.node.id)).toEqual(newest.map((d) => d.id));
    expect(browse.totalCount).toBe(index.documents.length);
  });

  it('ranks title matches above brand, category and description matches', async () => {
    // "Speaker" is in the titles of speakers; headphones mention no speaker at all, and some
    // products only say "speakers" in their category description.
    const result = await search.search(anonymous, { query: 'speaker', first: 10 });
    const title = new Map(index.documents.map((d) => [d.id, d.title]));
    for (const edge of result.edges) expect(title.get(edge.node.id)).toMatch(/speaker/i);
  });
});

describe('pagination', () => {
  it('walks every result exactly once, for each sort', async () => {
    for (const sort of ['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'NEWEST'] as const) {
      const ids = await walk({ query: 'wireless', sort }, 13);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(await sqlCount(matches));
    }
  });

  it('returns each result once while documents are being added', async () => {
    const first = await search.search(anonymous, { query: 'coffee', first: 10, sort: 'NEWEST' });
    const seen = first.edges.map((e) => e.node.id);
    // A new coffee product, newer than everything, lands before the next page is read.
    const { upsertDocuments } = await import('../src/index.repository');
    const { inTransaction } = await import('../../../common/postgres');
    const base = index.documents.find((d) => d.categorySlug === 'coffee');
    if (!base) throw new Error('no coffee in the catalog');
    const now = new Date().toISOString();
    await inTransaction(index.pool, (tx) =>
      upsertDocuments(
        tx,
        [{ ...base, id: 'new-coffee', slug: 'new-coffee', createdAt: now, updatedAt: now }],
        new Map([['new-coffee', true]]),
      ),
    );
    let after = first.pageInfo.endCursor;
    for (;;) {
      const page = await search.search(anonymous, {
        query: 'coffee',
        first: 10,
        after,
        sort: 'NEWEST',
      });
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain('new-coffee');
    expect(seen.length).toBe(first.totalCount);
  });

  it('refuses a cursor from another search', async () => {
    const page = await search.search(anonymous, { query: 'coffee', first: 2 });
    await expect(
      search.search(anonymous, { query: 'tea', first: 2, after: page.pageInfo.endCursor }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    await expect(
      search.search(anonymous, { query: 'coffee', first: 2, after: 'not-a-cursor' }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('corrections', () => {
  it('corrects misspelt words when nothing matches as typed', async () => {
    const result = await search.search(anonymous, { query: 'wirless hedphones', first: 5 });
    expect(result.correctedQuery).toBe('wireless headphones');
    const typed = await search.search(anonymous, { query: 'wireless headphones', first: 5 });
    expect(result.totalCount).toBe(typed.totalCount);
    expect(result.edges).toEqual(typed.edges.map((e) => ({ ...e, cursor: expect.any(String) })));
  });

  it('leaves a query that matches as typed alone', async () => {
    const result = await search.search(anonymous, { query: 'headphones', first: 1 });
    expect(result.correctedQuery).toBeNull();
  });

  it('finds products by a word prefix', async () => {
    const result = await search.search(anonymous, { query: 'headph', first: 5 });
    expect(result.totalCount).toBe(
      await sqlCount("document @@ to_tsquery('english', 'headphones')"),
    );
  });

  it('returns nothing, and no correction, for words the catalog has nothing like', async () => {
    const result = await search.search(anonymous, { query: 'qzxv wqpt', first: 5 });
    expect(result).toMatchObject({ totalCount: 0, edges: [], correctedQuery: null });
  });
});

describe('predictive search', () => {
  it('completes the last word and finds products as the shopper types', async () => {
    const result = await search.predictive(anonymous, 'wireless he', 5);
    expect(result.queries.map((q) => q.text)).toEqual(
      expect.arrayContaining(['wireless headphones', 'wireless headset']),
    );
    const title = new Map(index.documents.map((d) => [d.id, d.title]));
    expect(result.products).toHaveLength(5);
    for (const product of result.products) {
      expect(title.get(product.id)).toMatch(/wireless/i);
    }
  });

  it('answers an empty query with nothing, and first: 0 with nothing', async () => {
    expect(await search.predictive(anonymous, '  ', 5)).toEqual({ queries: [], products: [] });
    expect(await search.predictive(anonymous, 'wire', 0)).toEqual({ queries: [], products: [] });
  });
});

describe('bad input', () => {
  const cases: [string, SearchArgs, string][] = [
    ['first above 100', { query: 'x', first: 101 }, 'first'],
    ['first below 0', { query: 'x', first: -1 }, 'first'],
    ['a query over 200 characters', { query: 'a'.repeat(201), first: 5 }, 'query'],
    [
      'a malformed price',
      { query: 'x', first: 5, filter: { priceMin: '12,50' } },
      'filter.priceMin',
    ],
    ['a negative price', { query: 'x', first: 5, filter: { priceMax: '-1' } }, 'filter.priceMax'],
    [
      'priceMin above priceMax',
      { query: 'x', first: 5, filter: { priceMin: '50', priceMax: '10' } },
      'filter',
    ],
    [
      'too many brands',
      { query: 'x', first: 5, filter: { brands: Array.from({ length: 51 }, (_, i) => `b${i}`) } },
      'filter.brands',
    ],
  ];
  it.each(cases)('refuses %s with BAD_USER_INPUT', async (_name, args, argument) => {
    const error = (await search.search(anonymous, args).catch((e: unknown) => e)) as GraphQLError;
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
  });

  it('treats SQL and tsquery syntax in the query as plain words', async () => {
    for (const query of ["'; DROP TABLE documents; --", 'a & | ! ( ) : *', '\\x00 %_']) {
      const result = await search.search(anonymous, { query, first: 5 });
      expect(result.totalCount).toBeGreaterThanOrEqual(0);
    }
    expect(await sqlCount('true')).toBeGreaterThanOrEqual(2000);
  });
});
