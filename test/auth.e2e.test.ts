/**
 * The edge: Cognito access tokens verified by the gateway, every failure a 401 UNAUTHENTICATED,
 * and subgraphs that answer nothing but the gateway's signed assertion.
 */
import { signIdentity } from '../common/identity';
import { ProductByIdDocument } from '../schema/generated/operations';
import { claimsOf, createUser, mint, unsigned, type TestUser } from './support/tokens';
import { execute, identitySecret, startStack, type Stack } from './support/stack';
import { cognito } from './support/services';

let stack: Stack;
let shopper: TestUser;

beforeAll(async () => {
  [stack, shopper] = await Promise.all([startStack({ cache: 'memory' }), createUser()]);
});
afterAll(() => stack.stop());

const query = { query: '{ categories { slug } }' };

async function post(url: string, headers: Record<string, string>, body: unknown = query) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { extensions?: { code?: string } }[];
    },
  };
}

describe('tokens at the gateway', () => {
  it('serves a request without a token as anonymous', async () => {
    const result = await post(stack.gatewayUrl, {});
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
  });

  it('serves a request with a valid Cognito access token', async () => {
    const result = await post(stack.gatewayUrl, { authorization: `Bearer ${shopper.accessToken}` });
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const forged: [string, () => string][] = [
    [
      'an expired token',
      () => mint({ ...claimsOf(shopper.accessToken), iat: now() - 7200, exp: now() - 3600 }),
    ],
    [
      'a token for another app client',
      () => mint({ ...claimsOf(shopper.accessToken), client_id: 'someone-elses-client' }),
    ],
    ['an id token', () => shopper.idToken],
    [
      'a token from another user pool',
      () =>
        mint({
          ...claimsOf(shopper.accessToken),
          iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Elsewhere',
        }),
    ],
    ['an unsigned token (alg none)', () => unsigned(claimsOf(shopper.accessToken))],
    [
      'a token with a tampered payload',
      () => {
        const [head, , signature] = shopper.accessToken.split('.');
        const claims = { ...claimsOf(shopper.accessToken), 'cognito:groups': ['admin'] };
        return `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      },
    ],
    [
      'a token signed with an unknown key',
      () => mint(claimsOf(shopper.accessToken), { kid: 'rotated-away' }),
    ],
    ['garbage', () => 'not-a-token'],
  ];

  it.each(forged)('answers %s with 401 UNAUTHENTICATED', async (_name, token) => {
    const result = await post(stack.gatewayUrl, { authorization: `Bearer ${token()}` });
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.body.data).toBeUndefined();
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', `bearer ${'x'.repeat(10)}`, `Token ${'a.b.c'}`])(
    'answers the malformed header "%s" with 401',
    async (authorization) => {
      const result = await post(stack.gatewayUrl, { authorization });
      expect(result.status).toBe(401);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    },
  );

  it('refetches the signing keys at most once for an unknown key id', async () => {
    const fetcher = stack.gateway.authenticator.jwksFetcher;
    if (!fetcher) throw new Error('the test gateway fetches keys from the emulator');
    const before = fetcher.requests;
    const token = mint(claimsOf(shopper.accessToken), { kid: 'unknown-kid-2' });
    for (let i = 0; i < 5; i++) {
      expect((await post(stack.gatewayUrl, { authorization: `Bearer ${token}` })).status).toBe(401);
    }
    expect(fetcher.requests - before).toBeLessThanOrEqual(1);
  });
});

describe('subgraphs behind the gateway', () => {
  it('refuse a direct call without the gateway assertion, whatever identity headers it has', async () => {
    for (const url of [stack.product.url, stack.order.url]) {
      const result = await post(url, {
        'x-user-id': shopper.sub,
        'x-store-identity': 'forged',
        authorization: `Bearer ${shopper.accessToken}`,
      });
      expect(result.status).toBe(401);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuse an assertion signed with another secret or expired', async () => {
    const viewer = {
      kind: 'user' as const,
      sub: shopper.sub,
      username: shopper.sub,
      groups: ['admin'],
      isAdmin: true,
      accessToken: 'x',
    };
    const wrongSecret = signIdentity(
      { viewer, clientIp: null },
      'another-secret-of-at-least-32-characters!',
    );
    const expired = signIdentity({ viewer, clientIp: null }, identitySecret, -1);
    for (const assertion of [wrongSecret, expired]) {
      const result = await post(stack.product.url, { 'x-store-identity': assertion });
      expect(result.status).toBe(401);
    }
  });

  it('answer the gateway, and ignore identity headers the client sends', async () => {
    const result = await execute(
      stack.gatewayUrl,
      ProductByIdDocument,
      { id: 'nope' },
      {
        'x-store-identity': 'forged',
        'x-user-id': 'someone',
      },
    );
    expect(result).toEqual({ status: 200, data: { product: null } });
    expect(cognito().userPoolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
  });
});
