/**
 * Product media on the product subgraph: a presigned URL that has expired is refused by the S3
 * stand-in (s3rver's own expiry check, on a URL signed an hour ago), an attach is a product change
 * that the catalog change feed publishes as `product.changed`, and attaching is idempotent. The
 * subgraph runs over a catalog table of its own and the run's S3 stand-in.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createMemoryCache } from '../../../common/cache';
import { createDynamoClient } from '../../../common/dynamo';
import type { RunningServer } from '../../../common/http';
import { signIdentity, type Viewer } from '../../../common/identity';
import { createLogger } from '../../../common/logger';
import { createS3Client } from '../../../common/s3';
import type { StoreEvent } from '../../../common/store-events';
import { serveSubgraph } from '../../../common/subgraph';
import { CatalogEventPublisher } from '../src/catalog-events.service';
import { productItem } from '../src/catalog.items';
import { getProductForUpdate, writeItems } from '../src/catalog.repository';
import type { Product } from '../src/domain';
import { createProductSubgraph } from '../src/server';
import { createEmptyCatalog } from '../../../test/support/catalog-table';
import { dynamoEndpoint, s3Endpoint, testServices } from '../../../test/support/services';

const secret = randomBytes(32).toString('base64url');
const logger = createLogger('test', { silent: true });
const dynamo = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
const s3 = createS3Client({ endpoint: s3Endpoint(), region: 'us-east-1' });
const table = { client: dynamo, name: `media-${process.pid}-${Date.now()}` };
const bucket = testServices.mediaBucket;
/** Signs with the clock right. */
let current: RunningServer;
/** Signs with a clock an hour slow: its URLs have expired when they are handed out. */
let slow: RunningServer;
/** Has no media bucket. */
let bucketless: RunningServer;

async function serve(now?: () => Date, withBucket = true): Promise<RunningServer> {
  const graph = await createProductSubgraph({
    dynamo,
    table: table.name,
    cache: createMemoryCache(),
    cacheTtlSeconds: 300,
    assetBaseUrl: 'https://cdn.test.example',
    media: withBucket ? { s3, bucket, maxBytes: 100_000, expiresInSeconds: 60, now } : undefined,
  });
  return serveSubgraph({
    name: 'product',
    ...graph,
    port: 0,
    host: '127.0.0.1',
    identitySecret: secret,
    logger,
  });
}

beforeAll(async () => {
  await createEmptyCatalog(dynamo, table.name);
  [current, slow, bucketless] = await Promise.all([
    serve(),
    serve(() => new Date(Date.now() - 3_600_000)),
    serve(undefined, false),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([current?.close(), slow?.close(), bucketless?.close()]);
  dynamo.destroy();
  s3.destroy();
});

const sub = randomUUID();
const admin: Viewer = {
  kind: 'user',
  sub,
  username: sub,
  groups: ['admin'],
  isAdmin: true,
  accessToken: 'x',
};

interface Reply<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function send<T>(server: RunningServer, query: string, variables: object) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-store-identity': signIdentity({ viewer: admin, clientIp: null }, secret),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Reply<T>;
}

async function call<T>(server: RunningServer, query: string, variables: object): Promise<T> {
  const reply = await send<T>(server, query, variables);
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error('no data');
  return reply.data;
}

interface Upload {
  key: string;
  url: string;
  headers: { name: string; value: string }[];
  expiresAt: string;
}

const createUpload = async (server: RunningServer, byteSize: number) =>
  (
    await call<{ mediaUploadCreate: { upload: Upload } }>(
      server,
      `mutation ($input: MediaUploadInput!) { mediaUploadCreate(input: $input) {
        upload { key url headers { name value } expiresAt } } }`,
      { input: { filename: 'side.webp', contentType: 'image/webp', byteSize } },
    )
  ).mediaUploadCreate.upload;

const attach = (productId: string, key: string) =>
  call<{
    productMediaAttach: {
      product: { images: { url: string }[] } | null;
      userErrors: { code: string }[];
    };
  }>(
    current,
    `mutation ($productId: ID!, $input: ProductMediaInput!) {
      productMediaAttach(productId: $productId, input: $input) {
        product { images { url } } userErrors { code } } }`,
    { productId, input: { key } },
  );

async function put(upload: Upload, size: number) {
  const response = await fetch(upload.url, {
    method: 'PUT',
    body: Buffer.alloc(size, 1),
    headers: { 'Content-Type': 'image/webp' },
  });
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? null };
}

async function newProduct(): Promise<Product> {
  const now = new Date().toISOString();
  const id = randomUUID();
  const product: Product = {
    id,
    slug: `media-${id}`,
    title: 'Media fixture',
    description: 'A product written straight into the table.',
    brand: null,
    categorySlug: 'lighting',
    images: [],
    documents: [],
    options: [],
    variantIds: [],
    minPrice: 100,
    maxPrice: 100,
    currencyCode: 'USD',
    featuredRank: 1,
    ratingCount: 0,
    ratingSum: 0,
    createdAt: now,
    updatedAt: now,
  };
  await writeItems(table, [productItem(product)]);
  return product;
}

describe('product media on the subgraph', () => {
  it('hands out URLs that S3 refuses once they have expired', async () => {
    const upload = await createUpload(slow, 500);
    expect(Date.parse(upload.expiresAt)).toBeLessThan(Date.now());
    expect(await put(upload, 500)).toEqual({ status: 403, code: 'AccessDenied' });
    // The same request on a URL signed now goes through: the refusal was the expiry's.
    expect((await put(await createUpload(current, 500), 500)).status).toBe(200);
  });

  it('publishes the attach on the catalog change feed as product.changed', async () => {
    const product = await newProduct();
    const events: StoreEvent[] = [];
    const publisher = new CatalogEventPublisher(
      table,
      { publish: async (event) => void events.push(event), close: async () => undefined },
      logger,
      { lookbackMs: 60_000 },
    );
    await publisher.poll();
    const before = events.filter((e) => 'productId' in e && e.productId === product.id).length;

    const upload = await createUpload(current, 800);
    expect((await put(upload, 800)).status).toBe(200);
    const attached = await attach(product.id, upload.key);
    expect(attached.productMediaAttach.userErrors).toEqual([]);
    const stored = await getProductForUpdate(table, product.id);
    expect(stored?.updatedAt).not.toBe(product.updatedAt);

    await publisher.poll();
    const published = events.filter((e) => 'productId' in e && e.productId === product.id);
    expect(published.length).toBe(before + 1);
    expect(published.at(-1)).toMatchObject({
      type: 'product.changed',
      productId: product.id,
      position: `${stored?.updatedAt}#${product.id}`,
    });
  });

  it('attaches a file once, however often it is asked', async () => {
    const product = await newProduct();
    const upload = await createUpload(current, 300);
    expect((await put(upload, 300)).status).toBe(200);
    const first = await attach(product.id, upload.key);
    const again = await attach(product.id, upload.key);
    expect(first.productMediaAttach.product?.images).toEqual([
      { url: `https://cdn.test.example/${upload.key}` },
    ]);
    expect(again.productMediaAttach).toEqual(first.productMediaAttach);
  });

  it('refuses a file name that is empty, too long or has control characters', async () => {
    for (const filename of ['  ', 'x'.repeat(256), 'a\nb.png']) {
      const reply = await call<{ mediaUploadCreate: unknown }>(
        current,
        `mutation ($input: MediaUploadInput!) { mediaUploadCreate(input: $input) {
          upload { key } userErrors { code field } } }`,
        { input: { filename, contentType: 'image/png', byteSize: 10 } },
      );
      expect(reply.mediaUploadCreate).toEqual({
        upload: null,
        userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'filename'] }],
      });
    }
  });

  it('without a media bucket, fails uploads with an internal error that names nothing', async () => {
    const reply = await send(
      bucketless,
      `mutation { mediaUploadCreate(input: { filename: "a.png", contentType: "image/png",
        byteSize: 10 }) { upload { key } } }`,
      {},
    );
    expect(reply.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['INTERNAL_SERVER_ERROR', 'Internal server error'],
    ]);
  });
});
