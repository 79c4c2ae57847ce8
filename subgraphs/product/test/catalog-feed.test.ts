/**
 * The catalog change feed the search service indexes from: `catalogChanges` on the product
 * subgraph, internal (`@inaccessible`) and for services and admins only. The stack's product
 * service runs over a catalog table of its own, seeded here with a small catalog of another seed
 * (other ids, so the stock rows it writes are its own), then added to and edited through the back
 * office. What reaches DynamoDB is recorded: the feed is a Query on the `byChange` index and
 * consistent BatchGetItem of the products, never a Scan.
 */
import { categoryItem, listingItems, productItem } from '../src/catalog.items';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Pool } from 'pg';
import { createDynamoClient } from '../../../common/dynamo';
import { serviceIdentity, signIdentity, type Viewer } from '../../../common/identity';
import { projectPath } from '../../../common/paths';
import { createPool } from '../../../common/postgres';
import type { CatalogChangePage, CatalogDocument } from '../src/domain';
import { queryChanges, writeItems } from '../src/catalog.repository';
import { generateCatalog, seedCategories } from '../../../dev/seed/generate';
import { seedCatalog } from '../../../dev/seed/write';
import {
  changeFeed,
  key,
  tableDefinition,
  toKey,
  backfillChangeFeed,
  ensureTable,
} from '../src/catalog.table';
import { identitySecret, startStack, type Stack } from '../../../test/support/stack';
import { createUser } from '../../../test/support/tokens';
import { dynamoEndpoint, testDatabaseUrl } from '../../../test/support/services';

const SEED = 7_331;
const SEEDED = 150;

const user = (isAdmin: boolean): Viewer => {
  const sub = randomUUID();
  return {
    kind: 'user',
    sub,
    username: sub,
    groups: isAdmin ? ['admin'] : [],
    isAdmin,
    accessToken: 'x',
  };
};
const admin = user(true);
const shopper = user(false);
const search = serviceIdentity('search').viewer;

interface Reply<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; argument?: string } }[];
}

/** What the stack's DynamoDB client sent, command and input, in order. */
interface Sent {
  command: string;
  input: Record<string, unknown>;
}

let stack: Stack;
let pool: Pool;
let productUrl: string;
const sent: Sent[] = [];
/** Category slug -> display name. */
const categoryNames = new Map(seedCategories(new Map()).map((c) => [c.slug, c.name]));
const seeded = [...generateCatalog({ products: SEEDED, seed: SEED })].map((e) => e.product);

beforeAll(async () => {
  stack = await startStack({ privateCatalog: true, searchFeed: false });
  productUrl = `http://127.0.0.1:${stack.product.port}/graphql`;
  pool = createPool(testDatabaseUrl(), { max: 4 });
  await seedCatalog({ client: stack.dynamo, name: stack.catalogTable }, pool, {
    products: SEEDED,
    seed: SEED,
  });
  stack.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({
        command: String(context.commandName).replace(/Command$/, ''),
        input: args.input as Record<string, unknown>,
      });
      return next(args);
    },
    { step: 'initialize', name: 'catalogFeedTestRecorder' },
  );
});

afterAll(async () => {
  await stack?.stop();
  await pool?.end();
});

async function call<T>(
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
): Promise<Reply<T>> {
  const response = await fetch(productUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-store-identity': signIdentity({ viewer, clientIp: null }, identitySecret),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Reply<T>;
}

const CatalogChanges = `query CatalogChanges($after: String, $first: Int!) {
  catalogChanges(after: $after, first: $first) {
    documents {
      id slug title description brand categorySlug categoryName
      minPrice maxPrice currencyCode createdAt updatedAt position
    }
    endPosition
    hasMore
  }
}`;

const changes = (after: string | null, first: number, viewer: Viewer = search) =>
  call<{ catalogChanges: CatalogChangePage }>(CatalogChanges, { after, first }, viewer);

async function page(after: string | null, first: number, viewer: Viewer = search) {
  const reply = await changes(after, first, viewer);
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error('no data');
  return reply.data.catalogChanges;
}

/** Reads the feed from `after` to its end, `first` at a time, as the search service does. */
async function walk(first: number, after: string | null = null) {
  const pages: CatalogChangePage[] = [];
  let position = after;
  for (let i = 0; i < 1_000; i++) {
    const next = await page(position, first);
    pages.push(next);
    position = next.endPosition ?? position;
    if (!next.hasMore) return { pages, end: position };
  }
  throw new Error('the feed never ended');
}

async function create(title: string): Promise<{ id: string }> {
  const t = randomUUID().slice(0, 8);
  const reply = await call<{
    productCreate: { product: { id: string } | null; userErrors: unknown[] };
  }>(
    `mutation ($input: ProductCreateInput!) {
      productCreate(input: $input) { product { id } userErrors { code field message } }
    }`,
    {
      input: {
        title,
        description: 'Made for the change-feed tests.',
        categorySlug: 'lighting',
        slug: `feed-${t}`,
        variants: [{ sku: `FEED-${t}`, title: 'One', price: '12.50', quantity: 3 }],
      },
    },
    admin,
  );
  expect(reply.errors).toBeUndefined();
  expect(reply.data?.productCreate.userErrors).toEqual([]);
  const product = reply.data?.productCreate.product;
  if (!product) throw new Error('not created');
  return product;
}

async function retitle(id: string, title: string) {
  const reply = await call<{ productUpdate: { userErrors: unknown[] } }>(
    `mutation ($id: ID!, $input: ProductUpdateInput!) {
      productUpdate(id: $id, input: $input) { product { id } userErrors { code field message } }
    }`,
    { id, input: { title } },
    admin,
  );
  expect(reply.errors).toBeUndefined();
  expect(reply.data?.productUpdate.userErrors).toEqual([]);
}

const positionOf = (d: Pick<CatalogDocument, 'id' | 'updatedAt'>) => `${d.updatedAt}#${d.id}`;
const commands = () => sent.map((s) => s.command);

describe('catalogChanges', () => {
  let createdIds: string[];

  beforeAll(async () => {
    createdIds = [];
    for (const title of ['Feed Lamp One', 'Feed Lamp Two', 'Feed Lamp Three'])
      createdIds.push((await create(title)).id);
  });

  it('replays the whole catalog from the beginning: every product once, in position order', async () => {
    sent.length = 0;
    const { pages } = await walk(500);
    expect(pages).toHaveLength(1);
    const documents = pages[0].documents;

    expect(documents.map((d) => d.id).sort()).toEqual(
      [...seeded.map((p) => p.id), ...createdIds].sort(),
    );
    const positions = documents.map((d) => d.position);
    expect(positions).toEqual([...positions].sort());
    expect(new Set(positions).size).toBe(positions.length);
    for (const d of documents) expect(d.position).toBe(positionOf(d));
    expect(pages[0].endPosition).toBe(positions[positions.length - 1]);

    // The documents are the products as stored, with their category's name.
    const byId = new Map(documents.map((d) => [d.id, d]));
    for (const p of seeded.slice(0, 20)) {
      expect(byId.get(p.id)).toEqual({
        id: p.id,
        slug: p.slug,
        title: p.title,
        description: p.description,
        brand: p.brand,
        categorySlug: p.categorySlug,
        categoryName: categoryNames.get(p.categorySlug),
        minPrice: p.minPrice,
        maxPrice: p.maxPrice,
        currencyCode: 'USD',
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
        position: `${p.updatedAt}#${p.id}`,
      });
    }
    expect(byId.get(createdIds[0])).toMatchObject({
      title: 'Feed Lamp One',
      categoryName: categoryNames.get('lighting'),
      minPrice: 1250,
      maxPrice: 1250,
    });

    // One Query on the index (keys only), the products read consistently 100 at a time.
    const queries = sent.filter((s) => s.command === 'Query');
    expect(queries.map((q) => q.input)).toEqual([
      expect.objectContaining({
        IndexName: 'byChange',
        KeyConditionExpression: '#cf = :cf',
        ExpressionAttributeValues: { ':cf': { S: 'PRODUCT' } },
        ScanIndexForward: true,
        Limit: 501,
      }),
    ]);
    const productBatches = sent
      .filter((s) => s.command === 'BatchGetItem')
      .map(
        (s) =>
          Object.values(
            s.input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>,
          )[0],
      )
      .filter((r) => (r.Keys[0] as { sk: { S: string } }).sk.S === 'PRODUCT');
    expect(productBatches.map((r) => r.Keys.length).sort((a, b) => b - a)).toEqual([
      100,
      SEEDED + createdIds.length - 100,
    ]);
    expect(productBatches.every((r) => r.ConsistentRead === true)).toBe(true);
    expect(commands()).not.toContain('Scan');
  });

  it('pages across `first` boundaries without skipping or repeating a product', async () => {
    sent.length = 0;
    const { pages } = await walk(7);
    const total = SEEDED + createdIds.length;
    expect(pages).toHaveLength(Math.ceil(total / 7));
    expect(pages.slice(0, -1).every((p) => p.documents.length === 7 && p.hasMore)).toBe(true);
    const ids = pages.flatMap((p) => p.documents.map((d) => d.id));
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    const positions = pages.flatMap((p) => p.documents.map((d) => d.position));
    expect(positions).toEqual([...positions].sort());

    // Each page after the first reads the index strictly after the previous page's end.
    const afters = sent
      .filter((s) => s.command === 'Query')
      .map(
        (q) => (q.input.ExpressionAttributeValues as Record<string, { S: string }>)[':after']?.S,
      );
    expect(afters).toEqual([undefined, ...pages.slice(0, -1).map((p) => p.endPosition)]);
    expect(
      sent
        .filter((s) => s.command === 'Query')
        .slice(1)
        .every((q) => q.input.KeyConditionExpression === '#cf = :cf AND #pos > :after'),
    ).toBe(true);
    expect(commands()).not.toContain('Scan');
  });

  it('puts an edited product after the previous end position, with its new content', async () => {
    const { end } = await walk(500);
    expect(await page(end, 10)).toEqual({ documents: [], endPosition: null, hasMore: false });

    const [id] = createdIds;
    await retitle(id, 'Feed Lamp One, Renamed');
    const next = await page(end, 10);
    expect(next.documents.map((d) => [d.id, d.title])).toEqual([[id, 'Feed Lamp One, Renamed']]);
    const [document] = next.documents;
    expect(document.position > (end ?? '')).toBe(true);
    expect(document.position).toBe(positionOf(document));
    expect(next).toMatchObject({ endPosition: document.position, hasMore: false });

    // The replay still has it once, at its new place, with the new title.
    const replay = (await walk(500)).pages.flatMap((p) => p.documents);
    expect(replay.filter((d) => d.id === id)).toEqual([document]);
    expect(replay[replay.length - 1]).toEqual(document);

    // A seeded product edited: it too moves to the end of the feed.
    const seededOne = seeded[3];
    await retitle(seededOne.id, `${seededOne.title} (edited)`);
    const after = await page(document.position, 10);
    expect(after.documents.map((d) => [d.id, d.title])).toEqual([
      [seededOne.id, `${seededOne.title} (edited)`],
    ]);
  });

  it('does not move a product when it is reviewed', async () => {
    const { end } = await walk(500);
    const reply = await call<{ reviewAdd: { userErrors: unknown[] } }>(
      `mutation ($input: ReviewAddInput!) {
        reviewAdd(input: $input) { review { id } userErrors { code field message } }
      }`,
      { input: { productId: createdIds[1], rating: 4, title: 'Bright', body: 'Lights the room.' } },
      shopper,
    );
    expect(reply.data?.reviewAdd.userErrors).toEqual([]);
    expect(await page(end, 10)).toEqual({ documents: [], endPosition: null, hasMore: false });
  });

  it('takes a bare timestamp as "changed at or after this instant"', async () => {
    const { id } = await create('Feed Lamp Four');
    const tail = (await walk(500)).pages.flatMap((p) => p.documents);
    const document = tail.find((d) => d.id === id);
    if (!document) throw new Error('not in the feed');
    const instant = document.updatedAt;

    const fromInstant = await page(instant, 500);
    expect(fromInstant.documents[0]).toEqual(document);
    expect(fromInstant.documents.every((d) => d.updatedAt >= instant)).toBe(true);
    expect(fromInstant.documents).toEqual(tail.filter((d) => d.updatedAt >= instant));

    // To the second, without milliseconds: everything changed in that second or later.
    const second = `${instant.slice(0, 19)}Z`;
    const fromSecond = await page(second, 500);
    expect(fromSecond.documents.map((d) => d.id)).toContain(id);
    expect(fromSecond.documents).toEqual(
      tail.filter((d) => d.updatedAt >= `${instant.slice(0, 19)}.000Z`),
    );

    // A lookback before every seeded change is the whole catalog again.
    const all = await page('2000-01-01T00:00:00.000Z', 500);
    expect(all.documents).toEqual(tail);

    // After the last change: nothing.
    const later = new Date(Date.parse(tail[tail.length - 1].updatedAt) + 1).toISOString();
    expect(await page(later, 10)).toEqual({ documents: [], endPosition: null, hasMore: false });
  });

  it('is for services and admins: anonymous callers are unauthenticated, shoppers forbidden', async () => {
    expect((await page(null, 1, admin)).documents).toHaveLength(1);
    expect((await page(null, 1, search)).documents).toHaveLength(1);
    sent.length = 0;
    const anonymous = await changes(null, 1, { kind: 'anonymous' });
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.data).toBeNull();
    const forbidden = await changes(null, 1, shopper);
    expect(forbidden.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(forbidden.data).toBeNull();
    // A user who merely calls themself "service:" is no service: the group is needed too.
    const impostor: Viewer = {
      kind: 'user',
      sub: 'service:search',
      username: 'service:search',
      groups: [],
      isAdmin: false,
      accessToken: 'x',
    };
    expect((await changes(null, 1, impostor)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(sent).toEqual([]);
  });

  it('rejects a page size outside 1..500 and an `after` that is not a position or an instant', async () => {
    sent.length = 0;
    const bad: [string | null, number, string][] = [
      [null, 0, 'first'],
      [null, 501, 'first'],
      [null, -1, 'first'],
      ['', 10, 'after'],
      ['garbage', 10, 'after'],
      ['2026-02-30T00:00:00.000Z', 10, 'after'],
      ['2026-01-01', 10, 'after'],
      ['2026-01-01T00:00:00.000+02:00', 10, 'after'],
      ['2026-01-01T00:00:00Z#abc', 10, 'after'],
      ['2026-01-01T00:00:00.000Z#', 10, 'after'],
      ['2026-01-01T00:00:00.000Z#a b', 10, 'after'],
      [`2026-01-01T00:00:00.000Z#${'a'.repeat(200)}`, 10, 'after'],
      ['x'.repeat(10_000), 10, 'after'],
    ];
    for (const [after, first, argument] of bad) {
      const reply = await changes(after, first);
      expect({ after, first, errors: reply.errors?.map((e) => e.extensions) }).toEqual({
        after,
        first,
        errors: [{ code: 'BAD_USER_INPUT', argument }],
      });
    }
    expect(sent).toEqual([]);
  });

  it('is not part of the public API: absent from api.graphql, refused by the gateway', async () => {
    const api = readFileSync(projectPath('schema', 'api.graphql'), 'utf8');
    for (const name of ['catalogChanges', 'CatalogChangePage', 'CatalogDocument'])
      expect(api).not.toContain(name);
    const subgraph = readFileSync(projectPath('schema', 'subgraphs', 'product.graphql'), 'utf8');
    expect(subgraph).toMatch(
      /catalogChanges\([\s\S]*?\): CatalogChangePage! @federation__inaccessible/,
    );

    // Not even for a signed-in admin: the gateway does not know the field.
    const signedIn = await createUser({ admin: true });
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${signedIn.accessToken}`,
      },
      body: JSON.stringify({ query: CatalogChanges, variables: { after: null, first: 10 } }),
    });
    const reply = (await response.json()) as Reply<unknown>;
    expect(reply.data).toBeUndefined();
    expect(reply.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('the change-feed index on an existing table', () => {
  const client = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
  const tables: string[] = [];
  const newTable = () => {
    const name = `feed-setup-${process.pid}-${tables.length}-${Date.now()}`;
    tables.push(name);
    return { client, name };
  };

  afterAll(async () => {
    await Promise.allSettled(
      tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))),
    );
    client.destroy();
  });

  it('gives products written before the feed existed their position, once', async () => {
    const db = newTable();
    expect(await ensureTable(db)).toBe('created');
    const [old, current] = [...generateCatalog({ products: 2, seed: 99 })].map((e) => e.product);
    // `old` as an earlier version wrote it: no feed keys.
    const { cf: _cf, cfPos: _cfPos, ...withoutFeedKeys } = productItem(old);
    await writeItems(db, [
      withoutFeedKeys,
      productItem(current),
      ...listingItems(old),
      ...listingItems(current),
      ...seedCategories(new Map()).map(categoryItem),
    ]);
    expect((await queryChanges(db, null, 10)).entries.map((e) => e.productId)).toEqual([
      current.id,
    ]);

    // A table that has not been through the backfill (no META/FEED item): ensureTable runs it.
    await client.send(new DeleteItemCommand({ TableName: db.name, Key: toKey(key.feedMarker()) }));
    expect(await ensureTable(db)).toBe('updated');
    const feed = await queryChanges(db, null, 10);
    expect(feed.entries.map((e) => e.position).sort()).toEqual(
      [old, current].map((p) => `${p.updatedAt}#${p.id}`).sort(),
    );
    const marker = await client.send(
      new GetItemCommand({ TableName: db.name, Key: toKey(key.feedMarker()) }),
    );
    expect(marker.Item).toBeDefined();

    // Done once: the next start finds the marker and leaves the products alone.
    expect(await ensureTable(db)).toBe('exists');
    expect(await backfillChangeFeed(db)).toBe(0);
  });

  it('fails, saying why, when the store cannot add the index to an existing table (dynalite)', async () => {
    const db = newTable();
    const definition = tableDefinition(db.name);
    await client.send(
      new CreateTableCommand({
        ...definition,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.filter(
          (i) => i.IndexName !== changeFeed.index,
        ),
        AttributeDefinitions: definition.AttributeDefinitions?.filter(
          (d) =>
            d.AttributeName !== changeFeed.partitionAttribute &&
            d.AttributeName !== changeFeed.positionAttribute,
        ),
      }),
    );
    await expect(ensureTable(db)).rejects.toThrow(
      /has no index byChange, and the DynamoDB endpoint did not add it .*cannot add an index to an existing table/,
    );
  });
});
