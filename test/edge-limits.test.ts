/**
 * Limits before execution and HTTP hygiene, against the gateway over HTTP: one code per limit,
 * hostile documents refused without stalling other requests, and the inputs that used to reach
 * a store (NUL characters, over-long keys, ambiguous operations and tokens) refused at the edge.
 */
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import {
  codes,
  post,
  registered,
  startEdgeGateway,
  type Answer,
  type EdgeGateway,
} from './support/edge';
import { startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

let stack: Stack;
let edge: EdgeGateway;
let shopper: TestUser;

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', searchFeed: false });
  [edge, shopper] = await Promise.all([
    startEdgeGateway(stack, { CORS_ORIGINS: 'https://shop.example.com' }),
    createUser(),
  ]);
});
afterAll(async () => {
  await edge.close();
  await stack.stop();
});

const nested = (levels: number) =>
  `{ products(first: 1) { nodes { ${'similarProducts(first: 1) { '.repeat(levels)}id${' }'.repeat(levels)} } } }`;

describe('limits before execution', () => {
  const cases: [string, string, RegExp][] = [
    ['MAX_DEPTH_LIMIT', nested(12), /nests fields \d+ deep; the limit is 12/],
    [
      'MAX_ALIASES_LIMIT',
      `{ categories { ${Array.from({ length: 11 }, (_, i) => `a${i}: slug`).join(' ')} } }`,
      /11 aliases; the limit is 10/,
    ],
    [
      'MAX_ROOT_FIELDS_LIMIT',
      `{ ${Array.from({ length: 11 }, () => 'categories { slug }').join(' ')} }`,
      /11 root fields; the limit is 10/,
    ],
    [
      'MAX_DIRECTIVES_LIMIT',
      `{ categories { ${Array.from({ length: 11 }, () => 'slug @include(if: true)').join(' ')} } }`,
      /11 directives; the limit is 10/,
    ],
    ['MAX_TOKENS_LIMIT', `{ categories { ${'slug '.repeat(1_000)} } }`, /more than 1000 tokens/],
    [
      'COST_ESTIMATED_TOO_EXPENSIVE',
      '{ products(first: 100) { nodes { similarProducts(first: 50) { variants { id } } } } }',
      /estimated cost is \d+; the limit is 4000/,
    ],
  ];
  it.each(cases)('refuses with %s (HTTP 400) and says the limit', async (code, query, message) => {
    const answer = await post(edge.url, { query });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual([code]);
    expect(answer.body.errors?.[0].message).toMatch(message);
    expect(answer.body.data).toBeUndefined();
  });

  it('prices lists by `first`, including a variable', async () => {
    const query =
      'query ($n: Int!) { products(first: $n) { nodes { similarProducts(first: 20) { variants { id } } } } }';
    const cheap = await post(edge.url, { query, variables: { n: 1 } });
    expect(cheap.status).toBe(200);
    const fanOut = await post(edge.url, { query, variables: { n: 100 } });
    expect(codes(fanOut)).toEqual(['COST_ESTIMATED_TOO_EXPENSIVE']);
  });

  it('serves every contract query at its largest page size', async () => {
    // The largest `first` each one serves (recommendations and suggestions stop at 50 and 20).
    const queries: [string, number][] = [
      ['ProductListing', 100],
      ['Search', 100],
      ['RecommendedForYou', 50],
      ['PredictiveSearch', 20],
    ];
    for (const [name, first] of queries) {
      const answer = await post(edge.url, {
        documentId: `sha256:${registered(name).id}`,
        variables: { first, query: 'lamp' },
      });
      expect({ name, status: answer.status, errors: answer.body.errors }).toEqual({
        name,
        status: 200,
        errors: undefined,
      });
    }
  });

  /** The gaps between answers of /healthz polled in a loop while `load` runs. */
  async function healthzGaps(load: () => Promise<void>) {
    let polling = true;
    const gaps: number[] = [];
    const poll = (async () => {
      let last = performance.now();
      while (polling) {
        await fetch(`${edge.base}/healthz`).then((r) => r.arrayBuffer());
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }
    })();
    await load();
    polling = false;
    await poll;
    const sorted = [...gaps].sort((a, b) => a - b);
    return { p50: sorted[Math.floor(sorted.length / 2)], worst: sorted[sorted.length - 1] };
  }

  it('refuses a 5,000-token and a 10,000-deep document without stalling /healthz', async () => {
    const wide = `{ categories { ${'slug '.repeat(5_000)} } }`;
    const deep = `${'{ a '.repeat(10_000)}${'}'.repeat(10_000)}`;
    const pairs = async (first: unknown, second: unknown, sink: Answer[] = []) => {
      for (let i = 0; i < 20; i++)
        sink.push(...(await Promise.all([post(edge.url, first), post(edge.url, second)])));
    };
    // The same number of small, valid requests, for how long a gap this machine has anyway.
    const control = await healthzGaps(() =>
      pairs({ query: '{ __typename }' }, { query: '{ __typename }' }),
    );
    const answers: Answer[] = [];
    const hostile = await healthzGaps(() => pairs({ query: wide }, { query: deep }, answers));
    for (const answer of answers) expect(codes(answer)).toEqual(['MAX_TOKENS_LIMIT']);
    process.stdout.write(
      `healthz gap while refusing hostile documents: p50 ${hostile.p50.toFixed(1)} ms, worst ${hostile.worst.toFixed(1)} ms ` +
        `(small valid requests: p50 ${control.p50.toFixed(1)} ms, worst ${control.worst.toFixed(1)} ms)\n`,
    );
    // Validating one such document used to hold the event loop for about half a second; refused
    // before parsing, they stall /healthz no more than ordinary requests do.
    expect(hostile.worst).toBeLessThan(Math.max(250, 3 * control.worst));
  });
});

describe('hostile requests', () => {
  it('answers an operationName not in the document, or two unnamed operations, with 400', async () => {
    const missing = await post(edge.url, {
      query: 'query A { categories { slug } }',
      operationName: 'B',
    });
    const ambiguous = await post(edge.url, {
      query: '{ categories { slug } } { categories { name } }',
    });
    const byId = await post(edge.url, {
      documentId: `sha256:${registered('Categories').id}`,
      operationName: 'Other',
    });
    for (const answer of [missing, ambiguous, byId]) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    }
  });

  it('refuses a NUL character in any string with BAD_USER_INPUT', async () => {
    const inVariable = await post(edge.url, {
      documentId: `sha256:${registered('Search').id}`,
      variables: { query: 'lamp\u0000; drop table', first: 1 },
    });
    const inLiteral = await post(edge.url, {
      query: '{ search(query: "a\\u0000b", first: 1) { totalCount } }',
    });
    const nestedInput = await post(
      edge.url,
      {
        documentId: `sha256:${registered('ProfileUpdate').id}`,
        variables: { input: { name: 'x\u0000' } },
      },
      { authorization: `Bearer ${shopper.accessToken}` },
    );
    for (const answer of [inVariable, inLiteral, nestedInput]) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.body.errors?.[0].message).toMatch(/NUL/);
    }
  });

  it('refuses an id or slug longer than a store key with BAD_USER_INPUT', async () => {
    const long = 'x'.repeat(1_100);
    const answers = await Promise.all([
      post(edge.url, {
        documentId: `sha256:${registered('ProductDetail').id}`,
        variables: { slug: long },
      }),
      post(edge.url, {
        documentId: `sha256:${registered('ProductById').id}`,
        variables: { id: long },
      }),
      post(edge.url, { query: `{ product(slug: "${long}") { id } }` }),
      post(edge.url, { query: `{ cart(id: "${long}") { id } }` }),
      post(edge.url, {
        documentId: `sha256:${registered('ProductListing').id}`,
        variables: { first: 1, categorySlug: long },
      }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.body.errors?.[0].message).toMatch(/longer than 255 characters/);
    }
  });

  it('answers two Authorization headers with 401', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(edge.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      // Two header lines, as a client or a careless proxy might send them.
      req.setHeader('authorization', [`Bearer ${shopper.accessToken}`, 'Bearer a.b.c']);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ me { id } }' }));
    });
    expect(status).toBe(401);
  });

  it('answers a request with too many headers with 431', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 120; i++) headers[`x-filler-${i}`] = 'x';
    const answer = await post(edge.url, { query: '{ categories { slug } }' }, headers);
    expect(answer.status).toBe(431);
  });
});

describe('HTTP hygiene', () => {
  const listing = {
    documentId: `sha256:${registered('ProductListing').id}`,
    variables: { first: 20 },
  };

  it('compresses large responses with brotli or gzip, as the client accepts', async () => {
    for (const [accept, encoding, decode] of [
      ['br, gzip', 'br', brotliDecompressSync],
      ['gzip', 'gzip', gunzipSync],
    ] as const) {
      const { headers, body } = await rawPost(edge.url, JSON.stringify(listing), {
        'accept-encoding': accept,
      });
      expect(headers['content-encoding']).toBe(encoding);
      expect(headers['x-content-type-options']).toBe('nosniff');
      const json = JSON.parse(decode(body).toString('utf8')) as { data: unknown };
      expect(json.data).toBeTruthy();
    }
    const small = await rawPost(edge.url, JSON.stringify({ query: '{ __typename }' }), {
      'accept-encoding': 'br, gzip',
    });
    expect(small.headers['content-encoding']).toBeUndefined();
    const plain = await rawPost(edge.url, JSON.stringify(listing), {});
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('answers a CORS preflight from an allowed origin with the headers the clients send', async () => {
    const preflight = await fetch(edge.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, apollographql-client-name',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const allowed = preflight.headers.get('access-control-allow-headers') ?? '';
    for (const header of [
      'authorization',
      'content-type',
      'apollo-require-preflight',
      'apollographql-client-name',
      'apollographql-client-version',
    ])
      expect(allowed).toContain(header);
    const other = await fetch(edge.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await post(
      edge.url,
      { query: '{ __typename }' },
      { origin: 'https://shop.example.com' },
    );
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
  });

  it('allows localhost origins in development', async () => {
    const preflight = await fetch(stack.gatewayUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});

/** A POST whose body is returned undecoded (fetch would decompress it). */
function rawPost(url: string, body: string, headers: Record<string, string>) {
  return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}
