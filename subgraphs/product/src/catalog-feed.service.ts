/**
 * The catalog change feed: what the search service builds its index from. Internal (the query is
 * `@inaccessible`, so the gateway never serves it), for a service identity or an admin.
 *
 * Every product carries a feed position, `<updatedAt ISO>#<id>`, kept in the sparse `byChange`
 * GSI (catalog.table.ts); a create or an edit moves it to the end of the feed. A page is one Query on
 * the index strictly after the caller's position, then the products themselves read consistently
 * (not from the shared cache, which may hold a copy older than the index entry) and their
 * category names through the request's loaders.
 *
 * Delivery is at least once: a product appears again each time it changes, and a product changed
 * while a page is being read is served with its newest content at the position the index gave
 * (it appears again at its new one). Positions come from the writers' clocks and a write becomes
 * visible in the index a moment after its timestamp, so a reader that must not miss a change
 * re-reads a lookback window by passing a bare timestamp as `after` (see the README).
 */
import { type CatalogTable } from './catalog.table';
import { errors } from '../../../common/errors';
import type { RequestContext } from '../../../common/context';
import { requireServiceOrAdmin } from '../../../common/identity';
import type { CatalogLoaders } from './loaders';
import type { CatalogChangePage, CatalogDocument, Product } from './domain';
import { queryChanges } from './catalog.repository';

/** Largest page a caller may ask for. */
export const MAX_FEED_PAGE = 500;

/** Longest `after` accepted: a canonical timestamp, `#` and a product id. */
const MAX_POSITION_LENGTH = 128;

/** A position as the feed returns it: `toISOString()` of the change, `#`, the product id. */
const positionPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#[A-Za-z0-9_-]{1,100}$/;

/** A bare instant, UTC, to the second or the millisecond. */
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** A real instant, written as `toISOString()` writes it; null otherwise (`2024-02-30…`). */
function canonicalInstant(text: string): string | null {
  const time = Date.parse(text);
  if (Number.isNaN(time)) return null;
  const canonical = new Date(time).toISOString();
  // Same instant, same fields: rejects dates that Date.parse rolls over (February 30th).
  return canonical.slice(0, 19) === text.slice(0, 19) ? canonical : null;
}

/**
 * The value to read the feed after: a position as given, or a bare instant written the way
 * positions are (milliseconds and all), so that `"<ts>#<id>" > "<ts>"` holds for every product
 * changed at that instant. BAD_USER_INPUT for anything else.
 */
export function checkFeedAfter(after: string): string {
  const bad = () =>
    errors.badUserInput(
      '"after" must be a position the feed returned ("<ISO timestamp>#<id>") or an ISO timestamp in UTC.',
      'after',
    );
  if (after.length === 0 || after.length > MAX_POSITION_LENGTH) throw bad();
  const position = positionPattern.exec(after);
  if (position) {
    if (canonicalInstant(position[1]) !== position[1]) throw bad();
    return after;
  }
  if (!instantPattern.test(after)) throw bad();
  const instant = canonicalInstant(after);
  if (instant === null) throw bad();
  return instant;
}

export function checkFeedFirst(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_FEED_PAGE) {
    throw errors.badUserInput(
      `"first" must be between 1 and ${MAX_FEED_PAGE} (got ${first}).`,
      'first',
    );
  }
  return first;
}

export class CatalogFeedService {
  constructor(private readonly db: CatalogTable) {}

  /**
   * Products changed after `after` (null: from the beginning, which replays the whole catalog),
   * ascending by position, at most `first`.
   */
  async catalogChanges(
    ctx: RequestContext<CatalogLoaders>,
    args: { after?: string | null; first: number },
  ): Promise<CatalogChangePage> {
    requireServiceOrAdmin(
      ctx.identity.viewer,
      'Only the store services and administrators can read the catalog feed.',
    );
    const first = checkFeedFirst(args.first);
    const after = args.after == null ? null : checkFeedAfter(args.after);

    const page = await queryChanges(this.db, after, first);
    const loaded = await ctx.loaders.currentProduct.loadMany(page.entries.map((e) => e.productId));
    const products = loaded.map((product) => {
      if (product instanceof Error) throw product;
      return product;
    });
    const slugs = [...new Set(products.flatMap((p) => (p ? [p.categorySlug] : [])))];
    const categories = await ctx.loaders.category.loadMany(slugs);
    const names = new Map<string, string>();
    categories.forEach((category, i) => {
      if (category instanceof Error) throw category;
      // Categories are never deleted; should one be missing, its slug stands in for its name.
      names.set(slugs[i], category?.name ?? slugs[i]);
    });

    const documents: CatalogDocument[] = [];
    page.entries.forEach((entry, i) => {
      const product = products[i];
      // Gone since the index was read (a create that failed and was undone): nothing to index.
      if (product) documents.push(toDocument(product, names, entry.position));
    });
    return {
      documents,
      endPosition: documents.length > 0 ? documents[documents.length - 1].position : null,
      hasMore: page.hasMore,
    };
  }
}

function toDocument(
  product: Product,
  categoryNames: ReadonlyMap<string, string>,
  position: string,
): CatalogDocument {
  return {
    id: product.id,
    slug: product.slug,
    title: product.title,
    description: product.description,
    brand: product.brand,
    categorySlug: product.categorySlug,
    categoryName: categoryNames.get(product.categorySlug) ?? product.categorySlug,
    minPrice: product.minPrice,
    maxPrice: product.maxPrice,
    currencyCode: product.currencyCode,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    position,
  };
}
