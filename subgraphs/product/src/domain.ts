/** The catalog's domain records, as the service layer sees them (storage-neutral). */

export interface AssetRef {
  /** Object key under ASSET_BASE_URL (an S3 key behind the CDN). */
  key: string;
  altText: string | null;
}

export interface ProductDocumentRef {
  title: string;
  key: string;
  contentType: string;
}

export interface ProductOption {
  name: string;
  values: string[];
}

export interface SelectedOption {
  name: string;
  value: string;
}

export interface Product {
  id: string;
  slug: string;
  title: string;
  description: string;
  brand: string | null;
  categorySlug: string;
  images: AssetRef[];
  documents: ProductDocumentRef[];
  options: ProductOption[];
  variantIds: string[];
  /** Lowest and highest variant price, in minor units. */
  minPrice: number;
  maxPrice: number;
  currencyCode: string;
  /** 1 is the most featured. */
  featuredRank: number;
  ratingCount: number;
  ratingSum: number;
  createdAt: string;
  updatedAt: string;
}

export interface Variant {
  id: string;
  productId: string;
  sku: string;
  title: string;
  /** Minor units. */
  price: number;
  currencyCode: string;
  selectedOptions: SelectedOption[];
  position: number;
}

export interface Category {
  slug: string;
  name: string;
  description: string;
  productCount: number;
  position: number;
}

export interface Review {
  id: string;
  productId: string;
  rating: number;
  title: string;
  body: string;
  authorName: string;
  createdAt: string;
}

export const productSorts = ['FEATURED', 'TITLE', 'PRICE_ASC', 'PRICE_DESC', 'NEWEST'] as const;
export type ProductSortKey = (typeof productSorts)[number];

/** A listing is every product (`null`) or one category's products. */
export type ListingScope = { categorySlug: string | null };

export interface ListingPage {
  items: { productId: string; cursor: string }[];
  hasNextPage: boolean;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}
