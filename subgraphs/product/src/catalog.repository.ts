/** Catalog data access: every function takes the table handle and returns domain records. */
import { rowToCategory, rowToProduct, rowToReview, rowToVariant } from './catalog.items';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { convertToAttr } from '@aws-sdk/util-dynamodb';
import { batchGetAll, batchWriteAll, rowOf, type Item } from '../../../common/dynamo';
import type {
  AssetRef,
  ProductDocumentRef,
  Category,
  FeedPage,
  ListingPage,
  Page,
  Product,
  ProductSortKey,
  Review,
  Variant,
} from './domain';
import {
  changeFeed,
  changeFeedKeys,
  key,
  sortIndex,
  toKey,
  type CatalogTable,
} from './catalog.table';

async function getRows(
  db: CatalogTable,
  keys: { pk: string; sk: string }[],
  options: { consistent?: boolean } = {},
) {
  const items = await batchGetAll(db.client, db.name, keys.map(toKey), {
    consistentRead: options.consistent,
  });
  return items.map(rowOf);
}

/** Products by id; `consistent` reads what the table holds now (strongly consistent reads). */
export async function getProducts(
  db: CatalogTable,
  ids: readonly string[],
  options: { consistent?: boolean } = {},
): Promise<Map<string, Product>> {
  const rows = await getRows(db, ids.map(key.product), options);
  return new Map(rows.map((row) => [String(row.id), rowToProduct(row)]));
}

export async function getVariants(
  db: CatalogTable,
  ids: readonly string[],
): Promise<Map<string, Variant>> {
  const rows = await getRows(db, ids.map(key.variant));
  return new Map(rows.map((row) => [String(row.id), rowToVariant(row)]));
}

export async function getProductIdsBySlug(
  db: CatalogTable,
  slugs: readonly string[],
): Promise<Map<string, string>> {
  const rows = await getRows(db, slugs.map(key.slug));
  return new Map(rows.map((row) => [String(row.pk).slice('SLUG#'.length), String(row.productId)]));
}

export async function getCategories(
  db: CatalogTable,
  slugs: readonly string[],
): Promise<Map<string, Category>> {
  const rows = await getRows(db, slugs.map(key.category));
  return new Map(rows.map((row) => [String(row.slug), rowToCategory(row)]));
}

/** Every category, in display order: one Query on the CATEGORIES partition. */
export async function listCategories(db: CatalogTable): Promise<Category[]> {
  const categories: Category[] = [];
  let start: Record<string, Item[string]> | undefined;
  do {
    const page = await db.client.send(
      new QueryCommand({
        TableName: db.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'CATEGORIES' } },
        ExclusiveStartKey: start,
      }),
    );
    categories.push(...(page.Items ?? []).map((item) => rowToCategory(rowOf(item))));
    start = page.LastEvaluatedKey;
  } while (start);
  return categories.sort((a, b) => a.position - b.position || a.slug.localeCompare(b.slug));
}

export async function getProductCount(db: CatalogTable): Promise<number> {
  const [row] = await getRows(db, [key.counts()]);
  return typeof row?.products === 'number' ? row.products : 0;
}

/**
 * One page of a listing from the sort's index. `after` is the sort attribute value of the last
 * entry seen; it ends in the product id, which is also the entry's table sort key.
 */
export async function queryListing(
  db: CatalogTable,
  categorySlug: string | null,
  sort: ProductSortKey,
  first: number,
  after: string | null,
): Promise<ListingPage> {
  const { index, attribute, forward } = sortIndex[sort];
  const pk = key.listingPartition(categorySlug);
  const response = await db.client.send(
    new QueryCommand({
      TableName: db.name,
      IndexName: index,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ScanIndexForward: forward,
      Limit: first + 1,
      ExclusiveStartKey: after
        ? {
            pk: { S: pk },
            sk: { S: after.slice(after.lastIndexOf('#') + 1) },
            [attribute]: { S: after },
          }
        : undefined,
    }),
  );
  const entries = (response.Items ?? []).map((item) => ({
    productId: item.sk?.S ?? '',
    cursor: item[attribute]?.S ?? '',
  }));
  return { items: entries.slice(0, first), hasNextPage: entries.length > first };
}

/**
 * One page of the catalog change feed: products ascending by feed position, strictly after
 * `after`. `after` is a position (`<updatedAt>#<id>`) or a bare ISO timestamp, which then means
 * "changed at or after this instant" (`"<ts>#<id>" > "<ts>"`). One Query on the keys-only
 * `byChange` index; `Limit = first + 1` tells whether more follow.
 */
export async function queryChanges(
  db: CatalogTable,
  after: string | null,
  first: number,
): Promise<FeedPage> {
  const names: Record<string, string> = { '#cf': changeFeed.partitionAttribute };
  const values: Record<string, AttributeValue> = { ':cf': { S: changeFeed.partition } };
  let condition = '#cf = :cf';
  if (after !== null) {
    names['#pos'] = changeFeed.positionAttribute;
    values[':after'] = { S: after };
    condition += ' AND #pos > :after';
  }
  const response = await db.client.send(
    new QueryCommand({
      TableName: db.name,
      IndexName: changeFeed.index,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: true,
      Limit: first + 1,
    }),
  );
  const entries = (response.Items ?? []).map((item) => ({
    productId: (item.pk?.S ?? '').slice('PRODUCT#'.length),
    position: item[changeFeed.positionAttribute]?.S ?? '',
  }));
  return {
    entries: entries.slice(0, first),
    // Fewer than asked for with a LastEvaluatedKey: the 1 MB page limit stopped the Query.
    hasMore: entries.length > first || response.LastEvaluatedKey !== undefined,
  };
}

/** Reviews of one product, newest first. `after` is the review's table sort key. */
export async function queryReviews(
  db: CatalogTable,
  productId: string,
  first: number,
  after: string | null,
): Promise<Page<Review>> {
  const pk = key.product(productId).pk;
  const response = await db.client.send(
    new QueryCommand({
      TableName: db.name,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: 'REVIEW#' } },
      ScanIndexForward: false,
      Limit: first + 1,
      ExclusiveStartKey: after ? { pk: { S: pk }, sk: { S: after } } : undefined,
    }),
  );
  const rows = (response.Items ?? []).slice(0, first).map(rowOf);
  const last = rows[rows.length - 1];
  return {
    items: rows.map(rowToReview),
    hasNextPage: (response.Items?.length ?? 0) > first,
    endCursor: last ? String(last.sk) : null,
  };
}

export async function writeItems(db: CatalogTable, items: readonly Item[], concurrency = 4) {
  const requests: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
  await batchWriteAll(db.client, db.name, requests, { concurrency });
}

// ---- writes on a request path ------------------------------------------------------------------
// DynamoDB transactions are not available on every DynamoDB-compatible store this runs on
// (dynalite has none), so uniqueness comes from conditional puts and multi-item writes are
// ordered so that a failure part way can be undone by the caller.

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** Puts an item only when its key is free. False when another item holds the key. */
export async function putIfAbsent(db: CatalogTable, item: Item): Promise<boolean> {
  try {
    await db.client.send(
      new PutItemCommand({
        TableName: db.name,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Deletes an item only while `attribute` still holds `value`, so undoing a write never removes
 * what another request wrote under the same key since.
 */
export async function deleteIfOwned(
  db: CatalogTable,
  itemKey: { pk: string; sk: string },
  attribute: string,
  value: string,
): Promise<void> {
  try {
    await db.client.send(
      new DeleteItemCommand({
        TableName: db.name,
        Key: toKey(itemKey),
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': attribute },
        ExpressionAttributeValues: { ':owner': { S: value } },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export async function deleteItems(db: CatalogTable, keys: readonly { pk: string; sk: string }[]) {
  const requests: WriteRequest[] = keys.map((k) => ({ DeleteRequest: { Key: toKey(k) } }));
  await batchWriteAll(db.client, db.name, requests);
}

export async function putItem(db: CatalogTable, item: Item): Promise<void> {
  await db.client.send(new PutItemCommand({ TableName: db.name, Item: item }));
}

/** The product as stored now (a strongly consistent read, for read-modify-write). */
export async function getProductForUpdate(db: CatalogTable, id: string): Promise<Product | null> {
  const { Item } = await db.client.send(
    new GetItemCommand({ TableName: db.name, Key: toKey(key.product(id)), ConsistentRead: true }),
  );
  return Item ? rowToProduct(rowOf(Item)) : null;
}

/**
 * Adds to category product counts and to the catalog's product count (UpdateItem ADD, so
 * concurrent writers never lose an increment). A category must exist to be counted.
 */
export async function adjustCounts(
  db: CatalogTable,
  categories: ReadonlyMap<string, number>,
  products: number,
): Promise<void> {
  const add = (
    itemKey: { pk: string; sk: string },
    attribute: string,
    delta: number,
    guard: boolean,
  ) =>
    db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(itemKey),
        UpdateExpression: 'ADD #count :delta',
        ConditionExpression: guard ? 'attribute_exists(pk)' : undefined,
        ExpressionAttributeNames: { '#count': attribute },
        ExpressionAttributeValues: { ':delta': { N: String(delta) } },
      }),
    );
  await Promise.all([
    ...[...categories]
      .filter(([, delta]) => delta !== 0)
      .map(([slug, delta]) => add(key.category(slug), 'productCount', delta, true)),
    ...(products !== 0 ? [add(key.counts(), 'products', products, false)] : []),
  ]);
}

/** Product attributes an update may set; `brand: null` clears the brand. */
export interface ProductAttributes {
  title?: string;
  description?: string;
  brand?: string | null;
  categorySlug?: string;
  /** The whole list, as it is to be (media attached). */
  images?: AssetRef[];
  documents?: ProductDocumentRef[];
}

/**
 * Sets attributes of a product, its `updatedAt` and its change-feed position (`cfPos`, which
 * moves the product to the end of the feed), only while the product still has the `updatedAt`
 * the caller read (optimistic locking: concurrent edits never interleave). Rating counters are
 * not touched, so reviews written meanwhile are kept. Null when the product changed since it was
 * read, or is gone.
 */
export async function updateProductAttributes(
  db: CatalogTable,
  id: string,
  attributes: ProductAttributes,
  updatedAt: string,
  expectedUpdatedAt: string,
): Promise<Product | null> {
  // The change-feed position moves with updatedAt, in the same write (see table.ts).
  const feed = changeFeedKeys({ id, updatedAt });
  const names: Record<string, string> = {
    '#updatedAt': 'updatedAt',
    '#cf': changeFeed.partitionAttribute,
    '#cfPos': changeFeed.positionAttribute,
  };
  const values: Record<string, AttributeValue> = {
    ':updatedAt': { S: updatedAt },
    ':expected': { S: expectedUpdatedAt },
    ':cf': { S: feed[changeFeed.partitionAttribute] },
    ':cfPos': { S: feed[changeFeed.positionAttribute] },
  };
  const sets = ['#updatedAt = :updatedAt', '#cf = :cf', '#cfPos = :cfPos'];
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    names[`#${name}`] = name;
    values[`:${name}`] =
      value === null
        ? { NULL: true }
        : typeof value === 'string'
          ? { S: value }
          : convertToAttr(value, { removeUndefinedValues: true });
    sets.push(`#${name} = :${name}`);
  }
  try {
    const { Attributes } = await db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(key.product(id)),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND #updatedAt = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? rowToProduct(rowOf(Attributes)) : null;
  } catch (error) {
    if (isConditionFailure(error)) return null;
    throw error;
  }
}

/** Counts one more rating on a product (UpdateItem ADD); null when there is no such product. */
export async function addRating(
  db: CatalogTable,
  productId: string,
  rating: number,
): Promise<Product | null> {
  try {
    const { Attributes } = await db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(key.product(productId)),
        UpdateExpression: 'ADD ratingCount :one, ratingSum :rating',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':rating': { N: String(rating) } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? rowToProduct(rowOf(Attributes)) : null;
  } catch (error) {
    if (isConditionFailure(error)) return null;
    throw error;
  }
}
