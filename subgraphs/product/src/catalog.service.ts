/**
 * The catalog's read rules. Every method takes the request context first; resolvers call exactly
 * one method each. Listing and review pages are cached under a catalog generation number that
 * every catalog write increments, so a write is visible to the next query.
 */
import { type CatalogTable } from './catalog.table';
import type { SharedCache } from '../../../common/cache';
import { errors } from '../../../common/errors';
import type { RequestContext } from '../../../common/context';
import { Money } from '../../../common/money';
import {
  checkFirst,
  connection,
  decodeCursor,
  encodeCursor,
  type Connection,
} from '../../../common/pagination';
import type {
  Category,
  ListingPage,
  Page,
  Product,
  ProductSortKey,
  Review,
  Variant,
} from './domain';
import { createCatalogLoaders, type CacheSettings, type CatalogLoaders } from './loaders';
import { listCategories, queryListing, queryReviews } from './catalog.repository';

export interface CatalogSettings extends CacheSettings {
  assetBaseUrl: string;
}

type ListingCursor = { s: string; c: string; k: string };
type ReviewCursor = { r: string };

const isListingCursor = (v: Record<string, unknown>): v is ListingCursor =>
  typeof v.s === 'string' &&
  typeof v.c === 'string' &&
  typeof v.k === 'string' &&
  v.k.includes('#');
const isReviewCursor = (v: Record<string, unknown>): v is ReviewCursor =>
  typeof v.r === 'string' && v.r.startsWith('REVIEW#');

export class CatalogService {
  constructor(
    private readonly db: CatalogTable,
    private readonly cache: SharedCache,
    private readonly settings: CatalogSettings,
  ) {}

  /** Fresh loaders for one request. */
  createLoaders(): CatalogLoaders {
    return createCatalogLoaders(this.db, this.cache, this.settings);
  }

  async product(
    ctx: RequestContext<CatalogLoaders>,
    args: { id?: string | null; slug?: string | null },
  ) {
    const { id, slug } = args;
    if ((id == null) === (slug == null)) {
      throw errors.badUserInput('Give exactly one of "id" or "slug".', id == null ? 'id' : 'slug');
    }
    if (id != null) return ctx.loaders.product.load(id);
    const productId = await ctx.loaders.productIdBySlug.load(slug as string);
    return productId === null ? null : ctx.loaders.product.load(productId);
  }

  async products(
    ctx: RequestContext<CatalogLoaders>,
    args: {
      first: number;
      after?: string | null;
      categorySlug?: string | null;
      sort: ProductSortKey;
    },
  ): Promise<Connection<Product>> {
    const first = checkFirst(args.first);
    const scope = args.categorySlug ?? null;
    const after = args.after ? this.listingPosition(args.after, args.sort, scope) : null;
    const [page, totalCount] = await Promise.all([
      this.listingPage(scope, args.sort, first, after),
      scope === null
        ? ctx.loaders.productCount.load('all')
        : ctx.loaders.category.load(scope).then((c) => c?.productCount ?? 0),
    ]);
    const products = await ctx.loaders.product.loadMany(page.items.map((i) => i.productId));
    const edges: { cursor: string; node: Product }[] = [];
    page.items.forEach((item, i) => {
      const node = products[i];
      if (node instanceof Error) throw node;
      // A product deleted since the listing page was cached is skipped, not returned as null;
      // so is one that has moved to another category while its listing entry was being moved.
      if (node && (scope === null || node.categorySlug === scope))
        edges.push({
          cursor: encodeCursor({ s: args.sort, c: scope ?? '', k: item.cursor }),
          node,
        });
    });
    return connection(edges, {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: after !== null,
      totalCount,
    });
  }

  async categories(_ctx: RequestContext<CatalogLoaders>): Promise<Category[]> {
    const key = `categories:${await this.generation()}`;
    const [cached] = await this.cache.getMany([key]);
    if (cached) return JSON.parse(cached) as Category[];
    const categories = await listCategories(this.db);
    await this.cache.setMany([[key, JSON.stringify(categories)]], this.settings.ttlSeconds);
    return categories;
  }

  category(ctx: RequestContext<CatalogLoaders>, slug: string): Promise<Category | null> {
    return ctx.loaders.category.load(slug);
  }

  async variants(ctx: RequestContext<CatalogLoaders>, product: Product): Promise<Variant[]> {
    const variants = await ctx.loaders.variant.loadMany(product.variantIds);
    return variants
      .filter((v): v is Variant => v !== null && !(v instanceof Error))
      .sort((a, b) => a.position - b.position);
  }

  variant(ctx: RequestContext<CatalogLoaders>, id: string): Promise<Variant | null> {
    return ctx.loaders.variant.load(id);
  }

  async productOfVariant(ctx: RequestContext<CatalogLoaders>, variant: Variant): Promise<Product> {
    const product = await ctx.loaders.product.load(variant.productId);
    if (!product)
      throw new Error(`variant ${variant.id} points at missing product ${variant.productId}`);
    return product;
  }

  /**
   * A page of reviews, newest first. The product's review count is part of the cache key, so a
   * new review (which increments it) makes every cached page of that product stale at once.
   */
  async reviews(
    _ctx: RequestContext<CatalogLoaders>,
    product: Product,
    args: { first: number; after?: string | null },
  ): Promise<Connection<Review>> {
    const first = checkFirst(args.first);
    const after = args.after ? decodeCursor(args.after, isReviewCursor).r : null;
    const key = `r:${product.id}:${product.ratingCount}:${first}:${after ?? ''}`;
    const [cached] = await this.cache.getMany([key]);
    let page: Page<Review>;
    if (cached) {
      page = JSON.parse(cached) as Page<Review>;
    } else {
      page =
        first === 0
          ? { items: [], hasNextPage: product.ratingCount > 0, endCursor: null }
          : await queryReviews(this.db, product.id, first, after);
      await this.cache.setMany([[key, JSON.stringify(page)]], this.settings.ttlSeconds);
    }
    const edges = page.items.map((review) => ({
      cursor: encodeCursor({ r: `REVIEW#${review.createdAt}#${review.id}` }),
      node: review,
    }));
    return connection(edges, {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: after !== null,
      totalCount: product.ratingCount,
    });
  }

  images(product: Product): { url: string; altText: string | null }[] {
    return product.images.map((image) => ({
      url: this.assetUrl(image.key),
      altText: image.altText,
    }));
  }

  featuredImage(product: Product): { url: string; altText: string | null } | null {
    return this.images(product)[0] ?? null;
  }

  documents(product: Product): { title: string; url: string; contentType: string }[] {
    return product.documents.map((d) => ({
      title: d.title,
      url: this.assetUrl(d.key),
      contentType: d.contentType,
    }));
  }

  priceRange(product: Product): { minVariantPrice: Money; maxVariantPrice: Money } {
    return {
      minVariantPrice: Money.of(product.minPrice, product.currencyCode),
      maxVariantPrice: Money.of(product.maxPrice, product.currencyCode),
    };
  }

  rating(product: Product): { average: number; count: number } {
    const { ratingCount: count, ratingSum: sum } = product;
    return { average: count === 0 ? 0 : Math.round((sum / count) * 10) / 10, count };
  }

  price(variant: Variant): Money {
    return Money.of(variant.price, variant.currencyCode);
  }

  private assetUrl(key: string): string {
    // Images the back office linked from elsewhere are stored as absolute https URLs.
    if (/^https:\/\//i.test(key)) return key;
    return `${this.settings.assetBaseUrl.replace(/\/+$/, '')}/${key.replace(/^\/+/, '')}`;
  }

  /** Makes every cached listing and category list stale (after any catalog write). */
  async invalidateListings(): Promise<void> {
    await this.cache.increment('gen', 30 * 24 * 3600);
  }

  /**
   * After a catalog write: drops the cached records of the keys it touched (under the loaders'
   * namespaces, including cached misses, so a new slug is found at once) and, unless told
   * otherwise, makes every cached listing and category list stale.
   */
  async invalidate(touched: {
    products?: readonly string[];
    slugs?: readonly string[];
    variants?: readonly string[];
    categories?: readonly string[];
    productCount?: boolean;
    listings?: boolean;
  }): Promise<void> {
    const keys = [
      ...(touched.products ?? []).map((id) => `p:${id}`),
      ...(touched.slugs ?? []).map((slug) => `s:${slug}`),
      ...(touched.variants ?? []).map((id) => `v:${id}`),
      ...(touched.categories ?? []).map((slug) => `c:${slug}`),
      ...(touched.productCount ? ['n:all'] : []),
    ];
    await Promise.all([
      this.cache.delete(keys),
      touched.listings === false ? Promise.resolve() : this.invalidateListings(),
    ]);
  }

  private async generation(): Promise<string> {
    const [gen] = await this.cache.getMany(['gen']);
    return gen ?? '0';
  }

  private listingPosition(after: string, sort: ProductSortKey, scope: string | null): string {
    const cursor = decodeCursor(after, isListingCursor);
    if (cursor.s !== sort || cursor.c !== (scope ?? '')) {
      throw errors.badUserInput(
        '"after" belongs to a listing with another sort or filter.',
        'after',
      );
    }
    return cursor.k;
  }

  private async listingPage(
    scope: string | null,
    sort: ProductSortKey,
    first: number,
    after: string | null,
  ): Promise<ListingPage> {
    if (first === 0) return { items: [], hasNextPage: false };
    const key = `l:${await this.generation()}:${scope ?? '*'}:${sort}:${first}:${after ?? ''}`;
    const [cached] = await this.cache.getMany([key]);
    if (cached) return JSON.parse(cached) as ListingPage;
    const page = await queryListing(this.db, scope, sort, first, after);
    await this.cache.setMany([[key, JSON.stringify(page)]], this.settings.ttlSeconds);
    return page;
  }
}
