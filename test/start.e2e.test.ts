/**
 * `npm start` as a newcomer runs it: built output, nothing configured but a data folder and
 * ports. It seeds, serves the catalog through the gateway, stops on Ctrl-C, and starts again
 * from the same data without seeding twice.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../common/paths';

const dataDir = mkdtempSync(join(tmpdir(), 'storefront-start-'));
// Readable by the OS user the embedded PostgreSQL runs as when the tests run as root.
chmodSync(dataDir, 0o755);
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  PORT: '4610',
  EMBEDDED_DYNAMODB_PORT: '4611',
  EMBEDDED_POSTGRES_PORT: '4612',
  EMBEDDED_COGNITO_PORT: '4613',
  EMBEDDED_SMTP_PORT: '4614',
  EMBEDDED_S3_PORT: '4615',
  SEED_PRODUCTS: '40',
  LOG_LEVEL: 'info',
};

beforeAll(() => {
  execFileSync(
    process.execPath,
    [projectPath('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: projectPath(),
      stdio: 'inherit',
    },
  );
}, 120_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function graphql(query: string, variables: unknown = {}, token?: string) {
  const response = await fetch('http://127.0.0.1:4610/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data: Record<string, unknown> };
}

interface SearchCheck {
  /** Products the search index holds once the stack is up. */
  indexed: number;
  /** From productCreate answering to the product being found by search. */
  searchableAfterMs: number;
  /** What `npm run reindex` printed, run against the running stack. */
  reindexOutput: string;
}

/** Creates a product as the admin and times how long until search finds it; then reindexes. */
async function checkSearch(token: string): Promise<SearchCheck> {
  const indexedDeadline = Date.now() + 30_000;
  let indexed = 0;
  while (Date.now() < indexedDeadline) {
    const read = await graphql('{ search(query: "", first: 0) { totalCount } }');
    indexed = (read.data.search as { totalCount: number }).totalCount;
    if (indexed >= 40) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const word = `kestrel${Date.now().toString(36).replace(/[0-9]/g, '')}`;
  const created = await graphql(
    `
      mutation ($input: ProductCreateInput!) {
        productCreate(input: $input) {
          product {
            id
          }
          userErrors {
            code
            message
          }
        }
      }
    `,
    {
      input: {
        title: `Field Lantern ${word}`,
        description: 'A lantern for the start test.',
        categorySlug: 'lighting',
        variants: [{ sku: `START-${word}`, title: 'Default', price: '19.00', quantity: 5 }],
      },
    },
    token,
  );
  const createdAt = Date.now();
  const id = (created.data.productCreate as { product: { id: string } | null }).product?.id;
  if (!id) throw new Error(`productCreate failed: ${JSON.stringify(created)}`);
  let searchableAfterMs = -1;
  while (Date.now() - createdAt < 10_000) {
    const found = await graphql(
      'query ($q: String!) { search(query: $q, first: 5) { nodes { id } } }',
      {
        q: word,
      },
    );
    const nodes = (found.data.search as { nodes: { id: string }[] }).nodes;
    if (nodes.some((node) => node.id === id)) {
      searchableAfterMs = Date.now() - createdAt;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reindexOutput = execFileSync(
    process.execPath,
    [projectPath('dist', 'scripts', 'reindex.js')],
    { cwd: projectPath(), env: { PATH: process.env.PATH, DATA_DIR: dataDir }, encoding: 'utf8' },
  );
  return { indexed, searchableAfterMs, reindexOutput };
}

/** Uploads an image as the admin, attaches it to a product and fetches it where it is served. */
async function checkMedia(token: string) {
  const bytes = Buffer.alloc(1_234, 0x42);
  const created = await graphql(
    `
      mutation ($input: MediaUploadInput!) {
        mediaUploadCreate(input: $input) {
          upload {
            key
            url
          }
          userErrors {
            code
          }
        }
      }
    `,
    { input: { filename: 'lantern.png', contentType: 'image/png', byteSize: bytes.length } },
    token,
  );
  const upload = (created.data.mediaUploadCreate as { upload: { key: string; url: string } })
    .upload;
  const put = await fetch(upload.url, {
    method: 'PUT',
    body: bytes,
    headers: { 'Content-Type': 'image/png' },
  });
  const listing = await graphql('{ products(first: 1) { nodes { id } } }');
  const productId = (listing.data.products as { nodes: { id: string }[] }).nodes[0].id;
  const attached = await graphql(
    `
      mutation ($productId: ID!, $input: ProductMediaInput!) {
        productMediaAttach(productId: $productId, input: $input) {
          product {
            images {
              url
            }
          }
          userErrors {
            code
          }
        }
      }
    `,
    { productId, input: { key: upload.key } },
    token,
  );
  const images = (attached.data.productMediaAttach as { product: { images: { url: string }[] } })
    .product.images;
  const url = images[images.length - 1].url;
  const served = await fetch(url);
  return {
    put: put.status,
    url,
    status: served.status,
    contentType: served.headers.get('content-type'),
    same: Buffer.from(await served.arrayBuffer()).equals(bytes),
  };
}

async function runOnce(options: { search?: boolean } = {}): Promise<{
  output: string;
  products: unknown;
  admin: unknown;
  search: SearchCheck | null;
  media: Awaited<ReturnType<typeof checkMedia>> | null;
  exitCode: number | null;
}> {
  const child = spawn(process.execPath, [projectPath('dist', 'scripts', 'start.js')], {
    cwd: projectPath(),
    env,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  try {
    const deadline = Date.now() + 90_000;
    while (!output.includes('Storefront GraphQL is running.')) {
      if (child.exitCode !== null) throw new Error(`start exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const listing = await graphql(
      '{ products(first: 3) { totalCount nodes { title availableForSale } } }',
    );
    const products = listing.data.products;
    // The local administrator, with the default DEV_ADMIN_PASSWORD the README gives.
    const signIn = await graphql(
      'mutation ($input: SignInInput!) { signIn(input: $input) { session { accessToken } } }',
      { input: { email: 'admin@example.com', password: 'Storefront-admin-1' } },
    );
    const session = (signIn.data.signIn as { session: { accessToken: string } | null }).session;
    const admin = session
      ? (await graphql('{ me { email isAdmin } }', {}, session.accessToken)).data.me
      : null;
    const search = options.search && session ? await checkSearch(session.accessToken) : null;
    const media = options.search && session ? await checkMedia(session.accessToken) : null;
    child.kill('SIGINT');
    const exitCode = await exited;
    return { output, products, admin, search, media, exitCode };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

it('seeds, serves, stops on Ctrl-C, and restarts from the same data', async () => {
  const first = await runOnce({ search: true });
  expect(first.output).toContain('demo catalog seeded');
  expect(first.output).toContain('http://localhost:4610/graphiql');
  expect(first.products).toMatchObject({
    totalCount: 40,
    nodes: expect.arrayContaining([
      expect.objectContaining({ availableForSale: expect.any(Boolean) }),
    ]),
  });
  expect(first.admin).toEqual({ email: 'admin@example.com', isAdmin: true });
  // The search service indexed the seeded catalog, and a new product is searchable within 5 s.
  expect(first.search?.indexed).toBe(40);
  process.stdout.write(
    `npm start: a new product was searchable after ${first.search?.searchableAfterMs} ms\n`,
  );
  expect(first.search?.searchableAfterMs).toBeGreaterThanOrEqual(0);
  expect(first.search?.searchableAfterMs).toBeLessThan(5_000);
  expect(first.search?.reindexOutput).toContain('search index rebuilt');
  expect(first.search?.reindexOutput).toContain('"documents":41');
  // An uploaded image is served at a local URL (the S3 stand-in), so the playground shows it.
  expect(first.media).toEqual({
    put: 200,
    url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:4615\/store-media\/products\/.+\.png$/),
    status: 200,
    contentType: 'image/png',
    same: true,
  });
  expect(first.exitCode).toBe(0);

  const second = await runOnce();
  expect(second.output).not.toContain('demo catalog seeded');
  // The same data, with the product the first run created.
  expect(second.products).toEqual({
    ...(first.products as object),
    totalCount: 41,
    nodes: expect.any(Array),
  });
  expect(second.admin).toEqual(first.admin);
  expect(second.exitCode).toBe(0);

  // Nothing it started is left listening.
  for (const port of [4610, 4611, 4612, 4613, 4614, 4615, 4001, 4002, 4003, 4004, 4005]) {
    await expect(
      fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) }),
    ).rejects.toThrow();
  }
}, 240_000);
