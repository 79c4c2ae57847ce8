/**
 * The catalog table (single-table design). Every access path is a GetItem/BatchGetItem on a
 * known key or a Query on one partition; nothing on a request path scans.
 *
 *   pk                     sk                     what
 *   PRODUCT#<id>           PRODUCT                the product (denormalised price range, rating)
 *   PRODUCT#<id>           REVIEW#<iso>#<id>      its reviews, newest last in key order
 *   PRODUCT#<id>           REVIEWER#<sub>         one per reviewer (uniqueness by condition)
 *   VARIANT#<id>           VARIANT                a variant (price, SKU, options)
 *   SLUG#<slug>            SLUG                   slug -> product id (uniqueness by condition)
 *   SKU#<sku>              SKU                    sku -> variant id (uniqueness by condition)
 *   CATEGORIES             <slug>                 a category and its product count
 *   META                   COUNTS                 the number of products in the catalog
 *   META                   SEED                   which seed has been applied
 *   META                   FEED                   every product carries its change-feed keys
 *   LISTING#ALL            <productId>            listing entry for "all products"
 *   LISTING#CAT#<slug>     <productId>            listing entry for one category
 *
 * Listing entries carry one sort attribute per ProductSort; four sparse GSIs keyed on
 * (pk, that attribute) give every category listing in every order as a single Query.
 *
 * The change feed (what the search service indexes): every product item carries
 *
 *   cf      'PRODUCT'                    a constant: the partition of the `byChange` GSI
 *   cfPos   <updatedAt ISO>#<productId>  its feed position, moved with `updatedAt`
 *
 * and no other item has `cf`, so the sparse GSI `byChange` (hash `cf`, range `cfPos`) lists
 * every product once, ordered by its last change; reading it from a position is one Query with
 * `cfPos > :after`. The index has a single partition key value, and a DynamoDB partition takes
 * about 1,000 writes a second: the ceiling for product writes (creates and edits), which is
 * plenty for a back office. Reviews do not move `cfPos` (the feed carries no rating).
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { rowReader, type Item, type Row } from '../../../common/dynamo';
import type {
  AssetRef,
  Category,
  Product,
  ProductDocumentRef,
  ProductOption,
  ProductSortKey,
  Review,
  SelectedOption,
  Variant,
} from './domain';

export const key = {
  product: (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT' }),
  variant: (id: string) => ({ pk: `VARIANT#${id}`, sk: 'VARIANT' }),
  slug: (slug: string) => ({ pk: `SLUG#${slug}`, sk: 'SLUG' }),
  sku: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'SKU' }),
  category: (slug: string) => ({ pk: 'CATEGORIES', sk: slug }),
  counts: () => ({ pk: 'META', sk: 'COUNTS' }),
  seed: () => ({ pk: 'META', sk: 'SEED' }),
  /** Present once every product item carries its change-feed keys (see ensureTable). */
  feedMarker: () => ({ pk: 'META', sk: 'FEED' }),
  listingPartition: (categorySlug: string | null) =>
    categorySlug === null ? 'LISTING#ALL' : `LISTING#CAT#${categorySlug}`,
  review: (productId: string, createdAt: string, id: string) => ({
    pk: `PRODUCT#${productId}`,
    sk: `REVIEW#${createdAt}#${id}`,
  }),
  /** Marks that a user has reviewed a product; written with a condition, so once per user. */
  reviewer: (productId: string, userId: string) => ({
    pk: `PRODUCT#${productId}`,
    sk: `REVIEWER#${userId}`,
  }),
  listing: (categorySlug: string | null, productId: string) => ({
    pk: categorySlug === null ? 'LISTING#ALL' : `LISTING#CAT#${categorySlug}`,
    sk: productId,
  }),
};

export const toKey = (k: { pk: string; sk: string }): Item => ({
  pk: { S: k.pk },
  sk: { S: k.sk },
});

/** How each ProductSort maps to an index, its sort attribute and direction. */
export const sortIndex: Record<
  ProductSortKey,
  { index: string; attribute: string; forward: boolean }
> = {
  FEATURED: { index: 'byFeatured', attribute: 'sFeatured', forward: true },
  TITLE: { index: 'byTitle', attribute: 'sTitle', forward: true },
  PRICE_ASC: { index: 'byPrice', attribute: 'sPrice', forward: true },
  PRICE_DESC: { index: 'byPrice', attribute: 'sPrice', forward: false },
  NEWEST: { index: 'byNewest', attribute: 'sNewest', forward: false },
};

const sortAttributes = ['sFeatured', 'sTitle', 'sPrice', 'sNewest'] as const;

/** The catalog change feed: a sparse GSI over product items, ordered by their last change. */
export const changeFeed = {
  index: 'byChange',
  /** Hash key attribute; only product items have it. */
  partitionAttribute: 'cf',
  /** Its one value. */
  partition: 'PRODUCT',
  /** Range key attribute: the feed position. */
  positionAttribute: 'cfPos',
} as const;

/** A product's feed position: `<updatedAt ISO>#<id>`; unique, and ordered by time of change. */
export const feedPosition = (product: Pick<Product, 'id' | 'updatedAt'>): string =>
  `${product.updatedAt}#${product.id}`;

export function tableDefinition(tableName: string): CreateTableCommandInput {
  const attributes: AttributeDefinition[] = [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    ...sortAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    { AttributeName: changeFeed.partitionAttribute, AttributeType: 'S' },
    { AttributeName: changeFeed.positionAttribute, AttributeType: 'S' },
  ];
  const indexes: GlobalSecondaryIndex[] = [
    ['byFeatured', 'sFeatured'],
    ['byTitle', 'sTitle'],
    ['byPrice', 'sPrice'],
    ['byNewest', 'sNewest'],
  ].map(([IndexName, attribute]) => ({
    IndexName,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: attribute, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' },
  }));
  indexes.push({
    IndexName: changeFeed.index,
    KeySchema: [
      { AttributeName: changeFeed.partitionAttribute, KeyType: 'HASH' },
      { AttributeName: changeFeed.positionAttribute, KeyType: 'RANGE' },
    ],
    // Keys only: the feed reads the products themselves (a consistent BatchGetItem per 100), so
    // the index costs one small entry per product instead of a second copy of every description,
    // and the documents the feed serves can gain fields without rebuilding the index (a GSI's
    // projection cannot be changed in place).
    Projection: { ProjectionType: 'KEYS_ONLY' },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes,
  };
}

/** Sort keys are strings that order correctly and end in the product id, so they are unique. */
export function listingSortKeys(product: Product): Record<(typeof sortAttributes)[number], string> {
  return {
    sFeatured: `${String(product.featuredRank).padStart(10, '0')}#${product.id}`,
    sTitle: `${product.title.toLowerCase().slice(0, 200)}#${product.id}`,
    sPrice: `${String(product.minPrice).padStart(12, '0')}#${product.id}`,
    sNewest: `${product.createdAt}#${product.id}`,
  };
}

// ---- items ---------------------------------------------------------------------------------

const put = (value: Record<string, unknown>): Item =>
  marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });

/** The change-feed keys a product item carries (see the header). */
export function changeFeedKeys(product: Pick<Product, 'id' | 'updatedAt'>): Record<string, string> {
  return {
    [changeFeed.partitionAttribute]: changeFeed.partition,
    [changeFeed.positionAttribute]: feedPosition(product),
  };
}

export function productItem(product: Product): Item {
  return put({
    ...key.product(product.id),
    type: 'product',
    ...product,
    ...changeFeedKeys(product),
  });
}

export function variantItem(variant: Variant): Item {
  return put({ ...key.variant(variant.id), type: 'variant', ...variant });
}

export function slugItem(slug: string, productId: string): Item {
  return put({ ...key.slug(slug), type: 'slug', productId });
}

export function skuItem(sku: string, variantId: string): Item {
  return put({ ...key.sku(sku), type: 'sku', variantId });
}

export function categoryItem(category: Category): Item {
  return put({ ...key.category(category.slug), type: 'category', ...category });
}

export function reviewItem(review: Review): Item {
  return put({
    ...key.review(review.productId, review.createdAt, review.id),
    type: 'review',
    ...review,
  });
}

export function reviewerItem(productId: string, userId: string, reviewId: string): Item {
  return put({ ...key.reviewer(productId, userId), type: 'reviewer', reviewId });
}

export function listingItems(product: Product): Item[] {
  const sorts = listingSortKeys(product);
  return [null, product.categorySlug].map((scope) =>
    put({ pk: key.listingPartition(scope), sk: product.id, type: 'listing', ...sorts }),
  );
}

// ---- rows -> domain --------------------------------------------------------------------------

const { str, optionalStr, num, list, strings } = rowReader('catalog item');

export function rowToProduct(row: Row): Product {
  return {
    id: str(row, 'id'),
    slug: str(row, 'slug'),
    title: str(row, 'title'),
    description: str(row, 'description'),
    brand: optionalStr(row, 'brand'),
    categorySlug: str(row, 'categorySlug'),
    images: list(row, 'images').map((r): AssetRef => ({
      key: str(r, 'key'),
      altText: optionalStr(r, 'altText'),
    })),
    documents: list(row, 'documents').map((r): ProductDocumentRef => ({
      title: str(r, 'title'),
      key: str(r, 'key'),
      contentType: str(r, 'contentType'),
    })),
    options: list(row, 'options').map((r): ProductOption => ({
      name: str(r, 'name'),
      values: strings(r.values),
    })),
    variantIds: strings(row.variantIds),
    minPrice: num(row, 'minPrice'),
    maxPrice: num(row, 'maxPrice'),
    currencyCode: str(row, 'currencyCode'),
    featuredRank: num(row, 'featuredRank'),
    ratingCount: num(row, 'ratingCount'),
    ratingSum: num(row, 'ratingSum'),
    createdAt: str(row, 'createdAt'),
    updatedAt: str(row, 'updatedAt'),
  };
}

export function rowToVariant(row: Row): Variant {
  return {
    id: str(row, 'id'),
    productId: str(row, 'productId'),
    sku: str(row, 'sku'),
    title: str(row, 'title'),
    price: num(row, 'price'),
    currencyCode: str(row, 'currencyCode'),
    selectedOptions: list(row, 'selectedOptions').map((r): SelectedOption => ({
      name: str(r, 'name'),
      value: str(r, 'value'),
    })),
    position: num(row, 'position'),
  };
}

export function rowToCategory(row: Row): Category {
  return {
    slug: str(row, 'slug'),
    name: str(row, 'name'),
    description: str(row, 'description'),
    productCount: num(row, 'productCount'),
    position: num(row, 'position'),
  };
}

export function rowToReview(row: Row): Review {
  return {
    id: str(row, 'id'),
    productId: str(row, 'productId'),
    rating: num(row, 'rating'),
    title: str(row, 'title'),
    body: str(row, 'body'),
    authorName: str(row, 'authorName'),
    createdAt: str(row, 'createdAt'),
  };
}
