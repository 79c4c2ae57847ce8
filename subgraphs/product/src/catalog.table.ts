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
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeDefinition,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { batchGetAll, chunk, type Item } from '../../../common/dynamo';
import type { Product, ProductSortKey } from './domain';

export interface CatalogTable {
  client: DynamoDBClient;
  name: string;
}

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

/** The change-feed keys a product item carries (see the header of this file). */
export function changeFeedKeys(product: Pick<Product, 'id' | 'updatedAt'>): Record<string, string> {
  return {
    [changeFeed.partitionAttribute]: changeFeed.partition,
    [changeFeed.positionAttribute]: feedPosition(product),
  };
}

// ---- set-up ------------------------------------------------------------------------------------

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function describe(db: CatalogTable): Promise<TableDescription | null> {
  try {
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.name }));
    return Table ?? null;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return null;
    throw error;
  }
}

/** Waits until the table is ACTIVE, and with `indexes` every one of its GSIs too. */
async function waitUntilActive(
  db: CatalogTable,
  indexes: boolean,
  attempts = 120,
): Promise<TableDescription> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const table = await describe(db);
    const indexesReady =
      !indexes || (table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesReady) return table;
    await sleep(250);
  }
  throw new Error(`table ${db.name} did not become active`);
}

/**
 * Creates the table when it does not exist and waits until it is active. An existing table gets
 * the GSIs of tableDefinition() it lacks (UpdateTable, one index per call, as DynamoDB requires;
 * on AWS the new index then fills in the background, and queries on it fail until it is ACTIVE),
 * and, once, change-feed keys on the products written before the feed existed
 * (backfillChangeFeed; the META/FEED item records that it ran).
 *
 * dynalite, the embedded stand-in, cannot add a GSI to an existing table (it rejects the request,
 * or accepts it and creates nothing): this then fails, saying so, rather than serve a catalog
 * whose change feed is silently missing.
 */
export async function ensureTable(db: CatalogTable): Promise<'created' | 'exists' | 'updated'> {
  const existing = await describe(db);
  if (!existing) {
    try {
      await db.client.send(new CreateTableCommand(tableDefinition(db.name)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitUntilActive(db, true);
    // Every product written from now on carries its feed keys: nothing to backfill, ever.
    await markFeedComplete(db);
    return 'created';
  }
  const added = await addMissingIndexes(db, existing);
  const backfilled = await backfillUnlessDone(db);
  return added > 0 || backfilled ? 'updated' : 'exists';
}

async function addMissingIndexes(db: CatalogTable, existing: TableDescription): Promise<number> {
  const wanted = tableDefinition(db.name);
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missing = (wanted.GlobalSecondaryIndexes ?? []).filter((i) => !present.has(i.IndexName));
  for (const index of missing) {
    // Another index being added keeps the table UPDATING for a moment.
    const table = await waitUntilActive(db, false);
    await addIndex(db, table, index, wanted.AttributeDefinitions ?? []);
  }
  return missing.length;
}

async function addIndex(
  db: CatalogTable,
  table: TableDescription,
  index: GlobalSecondaryIndex,
  definitions: AttributeDefinition[],
): Promise<void> {
  const name = index.IndexName ?? '';
  const unsupported = (detail: string) =>
    new Error(
      `table ${db.name} has no index ${name}, and the DynamoDB endpoint did not add it (${detail}). ` +
        'dynalite, the embedded stand-in, cannot add an index to an existing table: ' +
        'recreate the table (for the embedded store, delete DATA_DIR/dynamodb; the seed writes ' +
        'the catalog again), or create the index with the AWS console or CLI as in catalog.table.ts.',
    );
  const defined = new Set((table.AttributeDefinitions ?? []).map((d) => d.AttributeName));
  const keyNames = new Set((index.KeySchema ?? []).map((k) => k.AttributeName));
  const onDemand = table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST';
  let listed = false;
  let failure: unknown = null;
  try {
    const { TableDescription: after } = await db.client.send(
      new UpdateTableCommand({
        TableName: db.name,
        AttributeDefinitions: [
          ...(table.AttributeDefinitions ?? []),
          ...definitions.filter(
            (d) => keyNames.has(d.AttributeName) && !defined.has(d.AttributeName),
          ),
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: name,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
              // A provisioned table's indexes need a capacity: the table's own.
              ProvisionedThroughput: onDemand
                ? undefined
                : {
                    ReadCapacityUnits: table.ProvisionedThroughput?.ReadCapacityUnits ?? 5,
                    WriteCapacityUnits: table.ProvisionedThroughput?.WriteCapacityUnits ?? 5,
                  },
            },
          },
        ],
      }),
    );
    listed = (after?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === name);
  } catch (error) {
    // Another replica starting at the same moment may have added it first.
    failure = error;
  }
  if (!listed) {
    const now = await describe(db);
    listed = (now?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === name);
  }
  if (listed) return;
  throw unsupported(
    failure === null
      ? 'UpdateTable was accepted, but the index does not exist'
      : `UpdateTable failed: ${failure instanceof Error ? failure.message : String(failure)}`,
  );
}

async function markFeedComplete(db: CatalogTable): Promise<void> {
  await db.client.send(
    new PutItemCommand({
      TableName: db.name,
      Item: { ...toKey(key.feedMarker()), at: { S: new Date().toISOString() } },
    }),
  );
}

async function backfillUnlessDone(db: CatalogTable): Promise<boolean> {
  const { Item } = await db.client.send(
    new GetItemCommand({
      TableName: db.name,
      Key: toKey(key.feedMarker()),
      ConsistentRead: true,
    }),
  );
  if (Item) return false;
  await backfillChangeFeed(db);
  await markFeedComplete(db);
  return true;
}

/**
 * Gives every product its change-feed keys where they are missing or behind its `updatedAt`:
 * products written before the feed existed (or by a replica of an earlier version). Finds the
 * products through the `LISTING#ALL` partition (a Query, so no Scan; a product without a
 * listing entry is not in the catalog), reads them with consistent BatchGetItem, and updates
 * each stale one under the condition that its `updatedAt` is still the one read (an edit
 * meanwhile sets the keys itself). Idempotent; returns how many products it updated.
 */
export async function backfillChangeFeed(db: CatalogTable): Promise<number> {
  let updated = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.client.send(
      new QueryCommand({
        TableName: db.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: key.listingPartition(null) } },
        ProjectionExpression: 'sk',
        ExclusiveStartKey: start,
      }),
    );
    const ids = (page.Items ?? []).map((item) => item.sk?.S ?? '').filter((id) => id !== '');
    const products = await batchGetAll(
      db.client,
      db.name,
      ids.map((id) => toKey(key.product(id))),
      {
        consistentRead: true,
        projection: '#id, #updatedAt, #cf, #cfPos',
        names: {
          '#id': 'id',
          '#updatedAt': 'updatedAt',
          '#cf': changeFeed.partitionAttribute,
          '#cfPos': changeFeed.positionAttribute,
        },
      },
    );
    const stale = products
      .map((item) => ({
        id: item.id?.S ?? '',
        updatedAt: item.updatedAt?.S ?? '',
        cf: item[changeFeed.partitionAttribute]?.S,
        cfPos: item[changeFeed.positionAttribute]?.S,
      }))
      .filter(
        (p) =>
          p.id !== '' &&
          p.updatedAt !== '' &&
          (p.cf !== changeFeed.partition || p.cfPos !== feedPosition(p)),
      );
    for (const slice of chunk(stale, 25)) {
      const results = await Promise.all(slice.map((p) => setFeedKeys(db, p)));
      updated += results.filter(Boolean).length;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return updated;
}

async function setFeedKeys(
  db: CatalogTable,
  product: { id: string; updatedAt: string },
): Promise<boolean> {
  try {
    await db.client.send(
      new UpdateItemCommand({
        TableName: db.name,
        Key: toKey(key.product(product.id)),
        UpdateExpression: 'SET #cf = :cf, #cfPos = :cfPos',
        ConditionExpression: 'attribute_exists(pk) AND #updatedAt = :updatedAt',
        ExpressionAttributeNames: {
          '#cf': changeFeed.partitionAttribute,
          '#cfPos': changeFeed.positionAttribute,
          '#updatedAt': 'updatedAt',
        },
        ExpressionAttributeValues: {
          ':cf': { S: changeFeed.partition },
          ':cfPos': { S: feedPosition(product) },
          ':updatedAt': { S: product.updatedAt },
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
