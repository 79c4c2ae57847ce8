/** The catalog's domain records, as the service layer sees them (storage-neutral). */
import type { UserError } from '../../../common/user-error';

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

export interface ListingPage {
  items: { productId: string; cursor: string }[];
  hasNextPage: boolean;
}

/** One entry of the catalog change feed's index: which product, at which position. */
export interface FeedEntry {
  productId: string;
  /** `<updatedAt ISO>#<productId>` as the index holds it. */
  position: string;
}

export interface FeedPage {
  entries: FeedEntry[];
  /** True when entries follow the last one of this page. */
  hasMore: boolean;
}

/** A product as the search index takes it from the change feed. */
export interface CatalogDocument {
  id: string;
  slug: string;
  title: string;
  description: string;
  brand: string | null;
  categorySlug: string;
  categoryName: string;
  /** Minor units. */
  minPrice: number;
  maxPrice: number;
  currencyCode: string;
  createdAt: string;
  updatedAt: string;
  /** The feed position the document was read at. */
  position: string;
}

/** One page of the change feed, ascending by position. */
export interface CatalogChangePage {
  documents: CatalogDocument[];
  /** Position of the last document; null when the page is empty. */
  endPosition: string | null;
  hasMore: boolean;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

// ---- writes ----------------------------------------------------------------------------------

/** What the back office can get wrong; the GraphQL enum AdminUserErrorCode has the same values. */
export const adminErrorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'SLUG_TAKEN',
  'SKU_TAKEN',
  'REFUND_EXCEEDS_PAYMENT',
] as const;
export type AdminErrorCode = (typeof adminErrorCodes)[number];

/** What a shopper adding a review can get wrong; mirrored by the enum ReviewUserErrorCode. */
export const reviewErrorCodes = ['INVALID_INPUT', 'NOT_FOUND', 'ALREADY_REVIEWED'] as const;
export type ReviewErrorCode = (typeof reviewErrorCodes)[number];

/** A product mutation's result: the product on success, the reasons otherwise. */
export interface ProductResult {
  product: Product | null;
  userErrors: UserError<AdminErrorCode>[];
}

/** reviewAdd's result: the review on success, the reasons otherwise. */
export interface ReviewResult {
  review: Review | null;
  userErrors: UserError<ReviewErrorCode>[];
}

export interface VariantDraft {
  sku: string;
  title: string;
  /** Decimal text, as the client sent it ("19.99"). */
  price: string;
  /** Units to put in stock (the order service keeps stock). */
  quantity: number;
  selectedOptions?: SelectedOption[] | null;
}

export interface ProductDraft {
  title: string;
  description: string;
  brand?: string | null;
  categorySlug: string;
  slug?: string | null;
  images?: { url: string; altText?: string | null }[] | null;
  variants: VariantDraft[];
}

/** Fields a product update may change; absent or null means unchanged, an empty brand removes it. */
export interface ProductChanges {
  title?: string | null;
  description?: string | null;
  brand?: string | null;
  categorySlug?: string | null;
}

export interface ReviewDraft {
  productId: string;
  rating: number;
  title: string;
  body: string;
  authorName?: string | null;
}

// ---- media -----------------------------------------------------------------------------------

/** A presigned upload the back office was given: the object key and what was declared. */
export interface MediaUpload {
  /** The S3 object key (under `products/`), chosen by the service. */
  key: string;
  filename: string;
  contentType: string;
  byteSize: number;
  createdAt: string;
  /** When the presigned URL stops working. */
  expiresAt: string;
}

export interface MediaUploadDraft {
  filename: string;
  contentType: string;
  byteSize: number;
}

export interface ProductMediaDraft {
  key: string;
  altText?: string | null;
  title?: string | null;
}

/** mediaUploadCreate's result: where and how to PUT the file, or the reasons it may not. */
export interface MediaUploadResult {
  upload: {
    key: string;
    url: string;
    headers: { name: string; value: string }[];
    expiresAt: string;
  } | null;
  userErrors: UserError<AdminErrorCode>[];
}
