/** The search service's domain types: what is indexed, asked for and answered. */

/** A product as the catalog's change feed delivers it (prices in minor units). */
export interface FeedDocument {
  id: string;
  slug: string;
  title: string;
  description: string;
  brand: string | null;
  categorySlug: string;
  categoryName: string;
  minPrice: number;
  maxPrice: number;
  currencyCode: string;
  createdAt: string;
  updatedAt: string;
  /** `<updatedAt>#<id>`: where this document sits in the feed. */
  position: string;
}

export type SearchSortKey = 'RELEVANCE' | 'PRICE_ASC' | 'PRICE_DESC' | 'NEWEST';

/** Filters as the service applies them: prices already in minor units. */
export interface SearchFilters {
  categorySlugs: string[] | null;
  brands: string[] | null;
  priceMin: number | null;
  priceMax: number | null;
  inStock: boolean | null;
}

/**
 * How the query matches documents: full text (`tsquery` is a to_tsquery expression built from
 * sanitised words, or with `plain` the shopper's text for plainto_tsquery, which splits it exactly
 * as documents are split, so "2-in-1" stays findable; with `headlineOnly` only title, brand and
 * category count), trigram similarity of the whole query to titles (the last resort for typos),
 * or everything (an empty query browses the catalog).
 */
export type Match =
  | { kind: 'text'; tsquery: string; plain?: boolean; headlineOnly?: boolean }
  | { kind: 'similar'; text: string }
  | { kind: 'all' };

/** Categories and brands a signed-in shopper buys; relevance leans towards them. */
export interface Affinity {
  categories: string[];
  brands: string[];
}

export interface FacetCount {
  facet: 'category' | 'brand' | 'price';
  value: string;
  label: string;
  count: number;
}

export interface SearchHit {
  productId: string;
  /** The sort key of the hit, for its cursor. */
  key: number | string;
}

/** A line of a placed order, as the order service reports it. */
export interface PurchaseLine {
  productId: string;
  variantId: string;
  quantity: number;
}

export interface PlacedOrder {
  orderId: string;
  ownerSub: string | null;
  placedAt: string;
  lines: PurchaseLine[];
}
