/**
 * Trusted documents at the gateway: registered operations by id over POST and GET, in each
 * mode; production mode's refusals (unregistered operations, introspection, suggestions,
 * GraphiQL); and no parse or validation per request for a registered id.
 */
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { readFileSync } from 'node:fs';
import { projectPath } from '../common/paths';
import { loadGatewayConfig } from '../gateway/src/config';
import { LimitChecker } from '../gateway/src/limits';
import { sha256Hex } from '../gateway/src/trusted-documents';
import {
  codes,
  get,
  manifest,
  post,
  registered,
  startEdgeGateway,
  type EdgeGateway,
} from './support/edge';
import { startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

let stack: Stack;
let production: EdgeGateway;
let allow: EdgeGateway;
let adminAdHoc: EdgeGateway;
let admin: TestUser;

beforeAll(async () => {
  stack = await startStack({ cache: 'memory', searchFeed: false });
  [production, allow, adminAdHoc, admin] = await Promise.all([
    startEdgeGateway(stack, { NODE_ENV: 'production' }),
    startEdgeGateway(stack, { NODE_ENV: 'production', TRUSTED_DOCUMENTS: 'allow' }),
    startEdgeGateway(stack, { NODE_ENV: 'production', TRUSTED_DOCUMENTS_ADMIN_AD_HOC: 'true' }),
    createUser({ admin: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([production.close(), allow.close(), adminAdHoc.close()]);
  await stack.stop();
});

const categories = registered('Categories');
const persisted = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });

describe('the manifest', () => {
  it('holds every contract operation once, with id = SHA-256 of its body', () => {
    expect(manifest).toMatchObject({ format: 'apollo-persisted-query-manifest', version: 1 });
    for (const entry of manifest.operations) expect(entry.id).toBe(sha256Hex(entry.body));
    const names = manifest.operations.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['ProductListing', 'Checkout', 'AdminOrders']));
  });

  it('has every operation within the default limits at its largest page size', () => {
    const config = loadGatewayConfig({
      INTERNAL_IDENTITY_SECRET: 'x'.repeat(32),
      COGNITO_USER_POOL_ID: 'us-east-1_x',
      COGNITO_CLIENT_ID: 'x',
    }).edge;
    const schema = buildSchema(readFileSync(projectPath('schema', 'api.graphql'), 'utf8'));
    const checker = new LimitChecker({ ...config, assumedPageSize: 100 }, schema);
    for (const entry of manifest.operations) {
      const document = parse(entry.body, { maxTokens: config.maxTokens });
      const operation = document.definitions.find(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      // Every `first` at 100, the largest page a connection serves.
      const variables = { first: 100 };
      expect({
        name: entry.name,
        refused: checker.checkLimits(document, { operation, variables }),
      }).toEqual({
        name: entry.name,
        refused: null,
      });
    }
  });
});

describe('development mode (accepts anything)', () => {
  it('runs a registered operation by documentId, by persisted-query hash, over POST and GET', async () => {
    const answers = await Promise.all([
      post(stack.gatewayUrl, { documentId: `sha256:${categories.id}` }),
      post(stack.gatewayUrl, { extensions: persisted(categories.id) }),
      get(stack.gatewayUrl, { documentId: `sha256:${categories.id}` }),
      get(stack.gatewayUrl, { extensions: JSON.stringify(persisted(categories.id)) }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect((answer.body.data?.categories as unknown[]).length).toBeGreaterThan(0);
    }
  });

  it('refuses a mutation by id over GET with 405', async () => {
    const answer = await get(stack.gatewayUrl, {
      documentId: `sha256:${registered('SignOut').id}`,
    });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });

  it('runs ad-hoc operations and lets automatic persisted queries register them', async () => {
    const query = '{ categories { name } }';
    const hash = sha256Hex(query);
    const unknown = await post(stack.gatewayUrl, { extensions: persisted(hash) });
    expect(unknown.status).toBe(400);
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await post(stack.gatewayUrl, { query, extensions: persisted(hash) })).status).toBe(200);
    const byHash = await post(stack.gatewayUrl, { extensions: persisted(hash) });
    expect(byHash.status).toBe(200);
    expect(byHash.body.errors).toBeUndefined();
  });

  it('neither parses nor validates a registered operation per request', async () => {
    const listing = registered('ProductListing');
    const send = () =>
      post(stack.gatewayUrl, { documentId: `sha256:${listing.id}`, variables: { first: 2 } });
    expect((await send()).status).toBe(200);
    const before = { ...stack.gateway.stats };
    for (let i = 0; i < 5; i++) expect((await send()).body.errors).toBeUndefined();
    expect(stack.gateway.stats).toEqual(before);
  });
});

describe('production mode (trusted documents required)', () => {
  it('runs registered operations by id', async () => {
    const answer = await post(production.url, {
      documentId: `sha256:${registered('ProductListing').id}`,
      variables: { first: 3 },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });

  it('refuses operation text without an id: PERSISTED_QUERY_ID_REQUIRED', async () => {
    for (const body of [{ query: '{ categories { slug } }' }, { query: categories.body }]) {
      const answer = await post(production.url, body);
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
    }
  });

  it('refuses an unregistered document sent with its hash: PERSISTED_QUERY_NOT_IN_LIST, and registers nothing', async () => {
    const query = '{ categories { name productCount } }';
    const hash = sha256Hex(query);
    const register = await post(production.url, { query, extensions: persisted(hash) });
    expect(register.status).toBe(400);
    expect(codes(register)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    const again = await post(production.url, { extensions: persisted(hash) });
    expect(again.status).toBe(400);
    expect(codes(again)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND, a malformed one with BAD_REQUEST', async () => {
    const unknown = await post(production.url, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.status).toBe(400);
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const malformed = await post(production.url, { documentId: 'md5:abc' });
    expect(malformed.status).toBe(400);
    expect(codes(malformed)).toEqual(['BAD_REQUEST']);
  });

  it('refuses an admin ad-hoc operation unless TRUSTED_DOCUMENTS_ADMIN_AD_HOC is set', async () => {
    const headers = { authorization: `Bearer ${admin.accessToken}` };
    const query = { query: '{ me { email isAdmin } }' };
    const refused = await post(production.url, query, headers);
    expect(codes(refused)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
    const allowed = await post(adminAdHoc.url, query, headers);
    expect(allowed.body).toEqual({ data: { me: { email: admin.email, isAdmin: true } } });
    // Shoppers and anonymous callers are still held to the list there.
    expect(codes(await post(adminAdHoc.url, query))).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
  });

  it('has introspection off and no suggestions in any error', async () => {
    const introspection = await post(allow.url, { query: '{ __schema { types { name } } }' });
    expect(introspection.status).toBe(400);
    expect(codes(introspection)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const typo = await post(allow.url, { query: '{ categoriez { slug } }' });
    expect(codes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const badEnum = await post(allow.url, {
      documentId: `sha256:${registered('ProductListing').id}`,
      variables: { first: 1, sort: 'PRICE' },
    });
    expect(codes(badEnum)).toEqual(['BAD_USER_INPUT']);
    for (const answer of [introspection, typo, badEnum])
      expect(JSON.stringify(answer.body)).not.toMatch(/Did you mean|categories|PRICE_ASC/);
  });

  it('hands Apollo Server the registered documents parsed and validated: it parses none', async () => {
    const answer = await post(production.url, {
      documentId: `sha256:${registered('ProductDetail').id}`,
      variables: { slug: 'no-such-product' },
    });
    expect(answer.body).toEqual({ data: { product: null } });
    expect(production.gateway.stats).toEqual({ parsed: 0, validated: 0 });
  });

  it('serves no GraphiQL', async () => {
    expect((await fetch(`${production.base}/graphiql`)).status).toBe(404);
    expect((await fetch(`${stack.gateway.url.replace('/graphql', '')}/graphiql`)).status).toBe(200);
  });

  it('allows ad-hoc operations in allow mode, but registers none', async () => {
    const query = '{ categories { slug name } }';
    expect((await post(allow.url, { query })).body.errors).toBeUndefined();
    expect((await post(allow.url, { query, extensions: persisted(sha256Hex(query)) })).status).toBe(
      200,
    );
    expect(codes(await post(allow.url, { extensions: persisted(sha256Hex(query)) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
  });
});
