/**
 * Purchase signals and recommendations over the demo catalog's first 2,000 products: orders
 * counted once, bought-together before content similarity, and the exclusions (the product
 * itself, anything out of stock, anything the shopper already bought).
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../../common/logger';
import { serviceIdentity, type Viewer } from '../../../common/identity';
import { CatalogIndexer } from '../src/indexer';
import { createSearchLoaders } from '../src/loaders';
import { RecommendationService } from '../src/recommendation.service';
import { SearchService } from '../src/search.service';
import type { StockSource } from '../src/order.client';
import { createTestIndex, type TestIndex } from './support';

let index: TestIndex;
let recommendations: RecommendationService;
let search: SearchService;
/** What the order service would answer for stock; tests change it, then report the change. */
const stockLevels = new Map<string, boolean>();
const stock: StockSource = {
  inStock: async (ids) => new Map(ids.map((id) => [id, stockLevels.get(id) ?? true])),
};

const anonymous: Viewer = { kind: 'anonymous' };
const shopper = (sub: string): Viewer => ({
  kind: 'user',
  sub,
  username: sub,
  groups: [],
  isAdmin: false,
  accessToken: 'token',
});
const orderService = serviceIdentity('order').viewer;
const ctx = (viewer: Viewer) => ({
  identity: { viewer, clientIp: null },
  loaders: createSearchLoaders(index.pool),
});

let placed = 0;
async function place(ownerSub: string | null, productIds: string[], quantity = 1) {
  const order = {
    orderId: randomUUID(),
    ownerSub,
    placedAt: new Date(Date.UTC(2026, 10, 1, 0, placed++)).toISOString(),
    lines: productIds.map((productId) => ({ productId, variantId: `${productId}-v`, quantity })),
  };
  await recommendations.orderPlaced(ctx(orderService), order);
  return order;
}

const ids = (products: { id: string }[]) => products.map((p) => p.id);

beforeAll(async () => {
  index = await createTestIndex(2000);
  const indexer = new CatalogIndexer(
    index.pool,
    { changes: async () => ({ documents: [], endPosition: null, hasMore: false }) },
    stock,
    createLogger('test', { silent: true }),
    { pollMs: 1000, lookbackMs: 0, pageSize: 500 },
  );
  recommendations = new RecommendationService(index.pool, indexer);
  search = new SearchService(index.pool, 'USD');
});
afterAll(async () => {
  await index?.drop();
});

const inStock = () => index.documents.filter((d) => d.inStock);
const byCategory = (slug: string) => inStock().filter((d) => d.categorySlug === slug);

describe('recording orders', () => {
  it('counts an order once however often it is reported', async () => {
    const [product] = byCategory('books');
    const order = await place(null, [product.id], 3);
    await recommendations.orderPlaced(ctx(orderService), order);
    await recommendations.orderPlaced(ctx(orderService), order);
    const { rows } = await index.pool.query(
      'SELECT units, orders FROM sales WHERE product_id = $1',
      [product.id],
    );
    expect(rows).toEqual([{ units: '3', orders: '1' }]);
  });

  it('takes orders and stock changes only from the services of the store and admins', async () => {
    const order = {
      orderId: randomUUID(),
      ownerSub: null,
      placedAt: new Date().toISOString(),
      lines: [{ productId: 'p', variantId: 'v', quantity: 1 }],
    };
    await expect(recommendations.orderPlaced(ctx(anonymous), order)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await expect(recommendations.orderPlaced(ctx(shopper('s1')), order)).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(recommendations.stockChanged(ctx(shopper('s1')), ['p'])).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('refuses an order with no lines or a bad quantity', async () => {
    const base = { orderId: randomUUID(), ownerSub: null, placedAt: new Date().toISOString() };
    await expect(
      recommendations.orderPlaced(ctx(orderService), { ...base, lines: [] }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    await expect(
      recommendations.orderPlaced(ctx(orderService), {
        ...base,
        lines: [{ productId: 'p', variantId: 'v', quantity: 0 }],
      }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('similarProducts', () => {
  it('puts products bought together first, most often first, and never the product itself', async () => {
    const [lamp, strip] = byCategory('lighting');
    const [bag] = byCategory('backpacks');
    await place(null, [lamp.id, bag.id]);
    await place(null, [lamp.id, bag.id, strip.id]);
    await place(null, [lamp.id, bag.id]);
    await place(null, [lamp.id, strip.id]);
    const similar = ids(await recommendations.similar(ctx(anonymous), lamp.id, 8));
    expect(similar.slice(0, 2)).toEqual([bag.id, strip.id]);
    expect(similar).toHaveLength(8);
    expect(similar).not.toContain(lamp.id);
    expect(new Set(similar).size).toBe(8);
    // The rest: the same category (lighting), near the lamp's price.
    const doc = new Map(index.documents.map((d) => [d.id, d]));
    for (const id of similar.slice(2)) expect(doc.get(id)?.categorySlug).toBe('lighting');
  });

  it('falls back to the same category near the price, the same brand first', async () => {
    const product = byCategory('cameras')[0];
    const similar = await recommendations.similar(ctx(anonymous), product.id, 6);
    const doc = new Map(index.documents.map((d) => [d.id, d]));
    const picked = ids(similar).map((id) => doc.get(id));
    expect(picked).toHaveLength(6);
    for (const d of picked) expect(d).toMatchObject({ categorySlug: 'cameras', inStock: true });
    const sameBrand = byCategory('cameras').filter(
      (d) => d.brand === product.brand && d.id !== product.id,
    );
    if (sameBrand.length >= 1) expect(picked[0]?.brand).toBe(product.brand);
  });

  it('leaves out products that are out of stock', async () => {
    const [a, b, c] = byCategory('kitchen');
    await place(null, [a.id, b.id]);
    await place(null, [a.id, c.id]);
    stockLevels.set(b.id, false);
    await recommendations.stockChanged(ctx(orderService), [b.id]);
    const similar = ids(await recommendations.similar(ctx(anonymous), a.id, 8));
    expect(similar[0]).toBe(c.id);
    expect(similar).not.toContain(b.id);
    stockLevels.delete(b.id);
    await recommendations.stockChanged(ctx(orderService), [b.id]);
    expect(ids(await recommendations.similar(ctx(anonymous), a.id, 8))).toContain(b.id);
  });

  it('answers many products in one statement', async () => {
    const loaders = createSearchLoaders(index.pool);
    let statements = 0;
    const counting = index.pool.on('acquire', () => statements++);
    const products = byCategory('coffee').slice(0, 10);
    const results = await Promise.all(
      products.map((p) =>
        recommendations.similar(
          { identity: { viewer: anonymous, clientIp: null }, loaders },
          p.id,
          4,
        ),
      ),
    );
    counting.removeAllListeners('acquire');
    expect(results.every((r) => r.length === 4)).toBe(true);
    expect(statements).toBe(1);
  });
});

describe('recommendedProducts', () => {
  it('gives anonymous callers the best sellers in stock', async () => {
    const [top, second, soldOut] = byCategory('watches');
    await place(null, [top.id], 50);
    await place(null, [second.id], 40);
    await place(null, [soldOut.id], 45);
    stockLevels.set(soldOut.id, false);
    await recommendations.stockChanged(ctx(orderService), [soldOut.id]);
    const recommended = ids(await recommendations.recommended(ctx(anonymous), 3));
    expect(recommended.slice(0, 2)).toEqual([top.id, second.id]);
    expect(recommended).not.toContain(soldOut.id);
  });

  it('gives a shopper what goes with what they bought, never what they bought', async () => {
    const sub = `shopper-${randomUUID()}`;
    const [jacket, fleece, shell] = byCategory('jackets');
    const [pack] = byCategory('backpacks').slice(5);
    // Others bought the jacket with a pack, and with a fleece.
    await place(null, [jacket.id, pack.id]);
    await place(null, [jacket.id, pack.id]);
    await place(null, [jacket.id, fleece.id]);
    // The shopper bought the jacket, and the fleece.
    await place(sub, [jacket.id]);
    await place(sub, [fleece.id, shell.id]);
    const recommended = ids(await recommendations.recommended(ctx(shopper(sub)), 10));
    expect(recommended[0]).toBe(pack.id);
    expect(recommended).toHaveLength(10);
    for (const bought of [jacket.id, fleece.id, shell.id])
      expect(recommended).not.toContain(bought);
    const doc = new Map(index.documents.map((d) => [d.id, d]));
    for (const id of recommended) expect(stockLevels.get(id) ?? doc.get(id)?.inStock).toBe(true);
  });

  it('gives a shopper with no orders the best sellers', async () => {
    const anonymousPicks = ids(await recommendations.recommended(ctx(anonymous), 5));
    const newcomer = ids(await recommendations.recommended(ctx(shopper('newcomer')), 5));
    expect(newcomer).toEqual(anonymousPicks);
  });
});

describe('personal ranking', () => {
  it('lifts the brands and categories a shopper buys, and leaves anonymous ranking alone', async () => {
    const sub = `fan-${randomUUID()}`;
    const quietwave = byCategory('headphones').filter((d) => d.brand === 'Quietwave');
    await place(
      sub,
      quietwave.slice(0, 2).map((d) => d.id),
    );
    const before = ids(
      (await search.search(ctx(anonymous), { query: 'wireless', first: 10 })).nodes,
    );
    const personal = ids(
      (await search.search(ctx(shopper(sub)), { query: 'wireless', first: 10 })).nodes,
    );
    const after = ids(
      (await search.search(ctx(anonymous), { query: 'wireless', first: 10 })).nodes,
    );
    expect(after).toEqual(before);
    const brand = new Map(index.documents.map((d) => [d.id, d.brand]));
    const share = (list: string[]) => list.filter((id) => brand.get(id) === 'Quietwave').length;
    expect(share(personal)).toBeGreaterThan(share(before));
    expect(personal).not.toEqual(before);
  });
});
