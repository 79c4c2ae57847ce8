/**
 * The catalog's DynamoDB items: built from domain records for writing, and read back into them.
 * Keys and indexes are in catalog.table.ts.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { rowReader, type Item, type Row } from '../../../common/dynamo';
import type {
  AssetRef,
  Category,
  Product,
  ProductDocumentRef,
  ProductOption,
  Review,
  SelectedOption,
  Variant,
} from './domain';
import { changeFeedKeys, key, listingSortKeys } from './catalog.table';

const put = (value: Record<string, unknown>): Item =>
  marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });

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
