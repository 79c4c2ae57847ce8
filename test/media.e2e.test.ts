/**
 * Product media through the gateway, with every service real: the back office asks for a
 * presigned PUT, sends the file straight to the media bucket (the S3 stand-in, which checks SigV4
 * signatures as S3 does, see dev/embedded/s3.ts), and attaches it to a product, which then shows
 * the file under the asset CDN's address, in the catalog and in search.
 */
import { randomUUID } from 'node:crypto';
import {
  AdminMediaUploadCreateDocument,
  AdminProductCreateDocument,
  AdminProductMediaAttachDocument,
  ProductDetailDocument,
  SearchDocument,
} from '../schema/generated/operations';
import { getProductForUpdate } from '../subgraphs/product/src/catalog.repository';
import { execute, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';
import { eventually } from './support/eventually';

let stack: Stack;
let admin: TestUser;
let shopper: TestUser;

const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.accessToken}` });
const tag = () => randomUUID().slice(0, 8);
/** The stack's ASSET_BASE_URL. */
const CDN = 'https://cdn.test.example/';

beforeAll(async () => {
  [stack, admin, shopper] = await Promise.all([
    startStack({ cache: 'memory', privateCatalog: true }),
    createUser({ admin: true, name: 'Media Admin' }),
    createUser({ name: 'Media Shopper' }),
  ]);
});
afterAll(() => stack?.stop());

/** A PNG of `size` bytes (the signature, then padding: S3 does not look inside). */
const png = (size: number) => {
  const bytes = Buffer.alloc(size, 0);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  return bytes;
};

async function uploadCreate(
  input: { filename: string; contentType: string; byteSize: number },
  headers: Record<string, string> = bearer(admin),
) {
  return execute(stack.gatewayUrl, AdminMediaUploadCreateDocument, { input }, headers);
}

/** PUTs the body to the presigned URL with the headers given (the upload's, unless replaced). */
async function put(url: string, body: Buffer, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'PUT', body, headers });
  const text = await response.text();
  return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? null };
}

const headersOf = (upload: { headers: { name: string; value: string }[] }) =>
  Object.fromEntries(
    // fetch computes Content-Length from the body itself.
    upload.headers.filter((h) => h.name !== 'Content-Length').map((h) => [h.name, h.value]),
  );

async function newUpload(size = 2_000, contentType = 'image/png', filename = 'Lamp front.png') {
  const reply = await uploadCreate({ filename, contentType, byteSize: size });
  expect(reply.errors).toBeUndefined();
  expect(reply.data?.mediaUploadCreate.userErrors).toEqual([]);
  const upload = reply.data?.mediaUploadCreate.upload;
  if (!upload) throw new Error('no upload');
  return upload;
}

async function createProduct(title: string) {
  const id = tag();
  const created = await execute(
    stack.gatewayUrl,
    AdminProductCreateDocument,
    {
      input: {
        title,
        description: 'Made for the media tests.',
        categorySlug: 'lighting',
        slug: `media-test-${id}`,
        variants: [{ sku: `MEDIA-${id}`, title: 'Default', price: '42.00', quantity: 5 }],
      },
    },
    bearer(admin),
  );
  expect(created.data?.productCreate.userErrors).toEqual([]);
  const product = created.data?.productCreate.product;
  if (!product) throw new Error('not created');
  return { id: product.id, slug: product.slug };
}

describe('mediaUploadCreate', () => {
  it('answers a presigned PUT under products/ that takes the declared file', async () => {
    const upload = await newUpload(2_000);
    expect(upload.key).toMatch(/^products\/[0-9a-f-]{36}\/lamp-front\.png$/);
    expect(upload.headers).toEqual([
      { name: 'Content-Type', value: 'image/png' },
      { name: 'Content-Length', value: '2000' },
    ]);
    const url = new URL(upload.url);
    expect(url.pathname.endsWith(`/${upload.key}`)).toBe(true);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());
    expect(await put(upload.url, png(2_000), headersOf(upload))).toEqual({
      status: 200,
      code: null,
    });
  });

  it('accepts JPEG, WebP and PDF files too, each under a key of its own', async () => {
    const uploads = await Promise.all(
      [
        ['photo.jpeg', 'image/jpeg'],
        ['photo.webp', 'image/webp'],
        ['Manual.pdf', 'application/pdf'],
      ].map(([filename, type]) => newUpload(100, type, filename)),
    );
    expect(uploads.map((u) => u.key.replace(/^products\/[0-9a-f-]{36}\//, ''))).toEqual([
      'photo.jpg',
      'photo.webp',
      'manual.pdf',
    ]);
  });

  it('refuses a file above the size cap, or empty, with INVALID_INPUT and no URL', async () => {
    for (const byteSize of [1_048_577, 0]) {
      const reply = await uploadCreate({ filename: 'big.png', contentType: 'image/png', byteSize });
      expect(reply.data?.mediaUploadCreate).toEqual({
        upload: null,
        userErrors: [
          { code: 'INVALID_INPUT', field: ['input', 'byteSize'], message: expect.any(String) },
        ],
      });
    }
  });

  it('refuses a type the store does not take with INVALID_INPUT and no URL', async () => {
    for (const contentType of ['image/gif', 'text/html', 'application/octet-stream']) {
      const reply = await uploadCreate({ filename: 'x.gif', contentType, byteSize: 10 });
      expect(reply.data?.mediaUploadCreate).toEqual({
        upload: null,
        userErrors: [
          { code: 'INVALID_INPUT', field: ['input', 'contentType'], message: expect.any(String) },
        ],
      });
    }
  });

  it('is refused to an anonymous caller (UNAUTHENTICATED) and to a shopper (FORBIDDEN)', async () => {
    const input = { filename: 'a.png', contentType: 'image/png', byteSize: 10 };
    const anonymous = await uploadCreate(input, {});
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.data?.mediaUploadCreate ?? null).toBeNull();
    const asShopper = await uploadCreate(input, bearer(shopper));
    expect(asShopper.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(asShopper.data?.mediaUploadCreate ?? null).toBeNull();
  });
});

describe('the presigned PUT', () => {
  it('refuses a body of another size: its Content-Length is not the signed one', async () => {
    const upload = await newUpload(2_000);
    for (const size of [1_999, 2_001, 1_048_576]) {
      expect(await put(upload.url, png(size), headersOf(upload))).toEqual({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
    }
  });

  it('refuses another Content-Type than the one declared', async () => {
    const upload = await newUpload(500);
    const body = png(500);
    expect(await put(upload.url, body, { 'Content-Type': 'text/html' })).toEqual({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a tampered URL: another key, a longer expiry, a forged signature', async () => {
    const upload = await newUpload(500);
    const body = png(500);
    const otherKey = upload.url.replace(/\/lamp-front\.png\?/, '/chosen-by-me.png?');
    const longer = upload.url.replace('X-Amz-Expires=300', 'X-Amz-Expires=604800');
    const forged = upload.url.replace(
      /X-Amz-Signature=[0-9a-f]+/,
      `X-Amz-Signature=${'0'.repeat(64)}`,
    );
    for (const url of [otherKey, longer, forged]) {
      expect(url).not.toBe(upload.url);
      expect(await put(url, body, headersOf(upload))).toEqual({
        status: 403,
        code: 'SignatureDoesNotMatch',
      });
    }
    // The untouched URL still works: the refusals were the tampering's.
    expect((await put(upload.url, body, headersOf(upload))).status).toBe(200);
  });

  it('refuses an unsigned PUT into the bucket', async () => {
    const upload = await newUpload(500);
    expect(await put(upload.url.split('?')[0], png(500), headersOf(upload))).toEqual({
      status: 403,
      code: 'AccessDenied',
    });
  });
});

describe('productMediaAttach', () => {
  it('adds an uploaded image to the product, in the catalog and in search', async () => {
    const title = `Halo media lamp ${tag()}`;
    const product = await createProduct(title);
    await eventually(async () => {
      const found = await execute(stack.gatewayUrl, SearchDocument, { query: title, first: 5 });
      return found.data?.search.edges.some((e) => e.node.id === product.id) ? true : undefined;
    });
    const upload = await newUpload(3_000);
    expect((await put(upload.url, png(3_000), headersOf(upload))).status).toBe(200);

    const attached = await execute(
      stack.gatewayUrl,
      AdminProductMediaAttachDocument,
      { productId: product.id, input: { key: upload.key, altText: 'The lamp, lit' } },
      bearer(admin),
    );
    expect(attached.errors).toBeUndefined();
    expect(attached.data?.productMediaAttach).toEqual({
      product: {
        id: product.id,
        images: [{ url: `${CDN}${upload.key}`, altText: 'The lamp, lit' }],
        documents: [],
      },
      userErrors: [],
    });

    const detail = await execute(stack.gatewayUrl, ProductDetailDocument, { slug: product.slug });
    expect(detail.data?.product?.images).toEqual([
      { url: `${CDN}${upload.key}`, altText: 'The lamp, lit' },
    ]);
    expect(detail.data?.product?.featuredImage?.url).toBe(`${CDN}${upload.key}`);

    // The attach is a product change like any other: the search index reads it from the feed.
    const stored = await getProductForUpdate(
      { client: stack.dynamo, name: stack.catalogTable },
      product.id,
    );
    await eventually(async () => {
      const { rows } = await stack.searchPool.query<{ at: Date }>(
        'SELECT source_updated_at AS at FROM documents WHERE product_id = $1',
        [product.id],
      );
      return rows[0]?.at.toISOString() === stored?.updatedAt ? true : undefined;
    });
    const found = await execute(stack.gatewayUrl, SearchDocument, { query: title, first: 5 });
    const hit = found.data?.search.edges.find((e) => e.node.id === product.id);
    expect(hit?.node.featuredImage?.url).toBe(`${CDN}${upload.key}`);
  });

  it('adds an uploaded PDF to the documents', async () => {
    const product = await createProduct(`Manual lamp ${tag()}`);
    const upload = await newUpload(1_200, 'application/pdf', 'Assembly guide.pdf');
    const put1 = await put(upload.url, Buffer.alloc(1_200, 0x25), headersOf(upload));
    expect(put1.status).toBe(200);
    const attached = await execute(
      stack.gatewayUrl,
      AdminProductMediaAttachDocument,
      { productId: product.id, input: { key: upload.key } },
      bearer(admin),
    );
    expect(attached.data?.productMediaAttach).toEqual({
      product: {
        id: product.id,
        images: [],
        documents: [
          { title: 'Assembly guide', url: `${CDN}${upload.key}`, contentType: 'application/pdf' },
        ],
      },
      userErrors: [],
    });
  });

  it('refuses a key nothing was uploaded under, and a key it never issued', async () => {
    const product = await createProduct(`Empty lamp ${tag()}`);
    const notUploaded = await newUpload(100);
    for (const key of [notUploaded.key, `products/${randomUUID()}/made-up.png`, 'elsewhere.png']) {
      const reply = await execute(
        stack.gatewayUrl,
        AdminProductMediaAttachDocument,
        { productId: product.id, input: { key } },
        bearer(admin),
      );
      expect(reply.data?.productMediaAttach).toEqual({
        product: null,
        userErrors: [{ code: 'NOT_FOUND', field: ['input', 'key'], message: expect.any(String) }],
      });
    }
    const detail = await execute(stack.gatewayUrl, ProductDetailDocument, { slug: product.slug });
    expect(detail.data?.product?.images).toEqual([]);
  });

  it('is refused to an anonymous caller and to a shopper', async () => {
    const variables = { productId: randomUUID(), input: { key: 'products/x/y.png' } };
    const anonymous = await execute(stack.gatewayUrl, AdminProductMediaAttachDocument, variables);
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    const asShopper = await execute(
      stack.gatewayUrl,
      AdminProductMediaAttachDocument,
      variables,
      bearer(shopper),
    );
    expect(asShopper.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});
