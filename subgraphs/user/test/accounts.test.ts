/**
 * Accounts end to end against the real services: the user subgraph over HTTP, a Cognito emulator
 * of its own (cognito-local), PostgreSQL and the shared Redis. Requests carry the identity
 * assertion the gateway would send.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Pool } from 'pg';
import { createRedisCache, type SharedCache } from '../../../common/cache';
import { startEmbeddedCognito, type EmbeddedCognito } from '../../../dev/embedded/cognito';
import type { RunningServer } from '../../../common/http';
import {
  anonymous,
  serviceIdentity,
  signIdentity,
  type RequestIdentity,
} from '../../../common/identity';
import { createLogger } from '../../../common/logger';
import { createPool } from '../../../common/postgres';
import { serveSubgraph } from '../../../common/subgraph';
import { CognitoAccountsClient, createCognitoClient, type CognitoAccounts } from '../src/cognito';
import { createUserSubgraph, migrateUserDatabase } from '../src/server';
import { testDatabaseUrl, testServices } from '../../../test/support/services';

const secret = randomBytes(32).toString('base64url');
const logger = createLogger('test', { silent: true });
const SIGN_IN_LIMIT = 5;
const PASSWORD = 'Correct-horse-7';

/** What reached Cognito through the accounts port: the method and its first argument. */
const calls: { method: keyof CognitoAccounts; arg: string }[] = [];

function counting(inner: CognitoAccounts): CognitoAccounts {
  const record = (method: keyof CognitoAccounts, arg: string) => calls.push({ method, arg });
  return {
    signUp(email, password, name) {
      record('signUp', email);
      return inner.signUp(email, password, name);
    },
    confirmSignUp(email, code) {
      record('confirmSignUp', email);
      return inner.confirmSignUp(email, code);
    },
    adminConfirmSignUp(email) {
      record('adminConfirmSignUp', email);
      return inner.adminConfirmSignUp(email);
    },
    signIn(email, password) {
      record('signIn', email);
      return inner.signIn(email, password);
    },
    refreshSession(token) {
      record('refreshSession', token);
      return inner.refreshSession(token);
    },
    signOut(token) {
      record('signOut', token);
      return inner.signOut(token);
    },
    userOf(token) {
      record('userOf', token);
      return inner.userOf(token);
    },
  };
}

const callsOf = (method: keyof CognitoAccounts, arg?: string) =>
  calls.filter((c) => c.method === method && (arg === undefined || c.arg === arg)).length;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });
}

let dataDir: string;
let emulator: EmbeddedCognito;
let pool: Pool;
let redis: SharedCache;
let cognitoClient: CognitoIdentityProviderClient;
let manual: RunningServer;
let auto: RunningServer;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'accounts-cognito-'));
  pool = createPool(testDatabaseUrl(), { max: 10 });
  [emulator] = await Promise.all([
    freePort().then((port) => startEmbeddedCognito({ dataDir, port })),
    migrateUserDatabase(pool),
  ]);
  redis = createRedisCache({ url: testServices.redisUrl, logger });
  const cache = redis.namespace(`test:accounts:${process.pid}:${Date.now()}:`);
  const cognitoSettings = {
    userPoolId: emulator.userPoolId,
    clientId: emulator.clientId,
    region: emulator.region,
    endpoint: emulator.endpoint,
  };
  cognitoClient = createCognitoClient(cognitoSettings);
  const accounts = counting(new CognitoAccountsClient(cognitoClient, cognitoSettings, logger));
  const serve = async (autoConfirm: boolean) => {
    const graph = await createUserSubgraph({
      pool,
      cache,
      accounts,
      settings: {
        autoConfirm,
        signInLimit: SIGN_IN_LIMIT,
        signInLimitPerIp: SIGN_IN_LIMIT,
        signInWindowSeconds: 300,
      },
    });
    return serveSubgraph({
      name: 'user',
      ...graph,
      port: 0,
      host: '127.0.0.1',
      identitySecret: secret,
      logger,
    });
  };
  [manual, auto] = await Promise.all([serve(false), serve(true)]);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([manual?.close(), auto?.close()]);
  cognitoClient?.destroy();
  await emulator?.stop();
  await redis?.close();
  await pool?.end();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Result<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A GraphQL document and the shape of its `data`. */
interface Operation<T> {
  query: string;
  readonly result?: T;
}
const operation = <T>(query: string): Operation<T> => ({ query });

async function graphql<T>(
  server: RunningServer,
  { query }: Operation<T>,
  variables: Record<string, unknown> = {},
  identity: RequestIdentity = anonymous,
): Promise<Result<T>> {
  const response = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-store-identity': signIdentity(identity, secret),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Result<T>, 'status'>) };
}

interface UserErrors {
  userErrors: { code: string; field: string | null; message: string }[];
}
interface Session {
  accessToken: string;
  idToken: string;
  refreshToken: string | null;
  expiresIn: number | null;
}
interface AddressData {
  id: string;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  countryCode: string;
  isDefault: boolean;
}
interface UserData {
  id: string;
  email: string;
  name: string | null;
  isAdmin: boolean;
  addresses: AddressData[];
}

const USER_ERRORS = 'userErrors { code field message }';
const SESSION = 'session { accessToken idToken refreshToken expiresIn }';
const SIGN_UP = operation<{ signUp: UserErrors & { userConfirmed: boolean } }>(
  `mutation ($input: SignUpInput!) { signUp(input: $input) { userConfirmed ${USER_ERRORS} } }`,
);
const CONFIRM = operation<{ confirmSignUp: UserErrors & { confirmed: boolean } }>(
  `mutation ($input: ConfirmSignUpInput!) { confirmSignUp(input: $input) { confirmed ${USER_ERRORS} } }`,
);
const SIGN_IN = operation<{ signIn: UserErrors & { session: Session | null } }>(
  `mutation ($input: SignInInput!) { signIn(input: $input) { ${SESSION} ${USER_ERRORS} } }`,
);
const REFRESH = operation<{ refreshSession: UserErrors & { session: Session | null } }>(
  `mutation ($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) { ${SESSION} ${USER_ERRORS} }
  }`,
);
const SIGN_OUT = operation<{ signOut: { signedOut: boolean } }>(
  'mutation { signOut { signedOut } }',
);
const ME = operation<{ me: UserData | null }>(
  `{ me { id email name isAdmin addresses {
    id name line1 line2 city region postalCode countryCode isDefault
  } } }`,
);
const ME_ID = operation<{ me: Pick<UserData, 'id'> | null }>('{ me { id } }');
const ME_NAME = operation<{ me: Pick<UserData, 'name'> | null }>('{ me { name } }');
const ME_IS_ADMIN = operation<{ me: Pick<UserData, 'isAdmin'> | null }>('{ me { isAdmin } }');
const ME_ADDRESS_IDS = operation<{ me: { addresses: Pick<AddressData, 'id'>[] } | null }>(
  '{ me { addresses { id } } }',
);
const PROFILE_UPDATE = operation<{
  profileUpdate: UserErrors & { user: Pick<UserData, 'id' | 'name'> | null };
}>(
  `mutation ($input: ProfileUpdateInput!) {
    profileUpdate(input: $input) { user { id name } ${USER_ERRORS} }
  }`,
);
const ADDRESS_ADD = operation<{
  addressAdd: UserErrors & {
    address: Pick<AddressData, 'id' | 'isDefault' | 'countryCode' | 'line2'> | null;
  };
}>(
  `mutation ($input: AddressInput!) {
    addressAdd(input: $input) { address { id isDefault countryCode line2 } ${USER_ERRORS} }
  }`,
);
const ADDRESS_REMOVE = operation<{ addressRemove: UserErrors & { removedId: string | null } }>(
  `mutation ($id: ID!) { addressRemove(id: $id) { removedId ${USER_ERRORS} } }`,
);
const ENTITIES = operation<{ _entities: (Pick<UserData, 'id' | 'email'> | null)[] }>(
  `query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id email } }
  }`,
);

let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${process.pid}-${Date.now()}-${counter++}@example.com`;
/** A client address of its own for each call, so only the limit a test is about applies. */
const freshIp = () => `2001:db8::${(++counter).toString(16)}`;

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** The identity the gateway asserts for the holder of `accessToken`. */
function identityOf(
  accessToken: string,
  options: { isAdmin?: boolean; clientIp?: string } = {},
): RequestIdentity {
  const c = claims(accessToken);
  return {
    viewer: {
      kind: 'user',
      sub: String(c.sub),
      username: String(c.username),
      groups: (c['cognito:groups'] as string[] | undefined) ?? [],
      isAdmin: options.isAdmin ?? false,
      accessToken,
    },
    clientIp: options.clientIp ?? freshIp(),
  };
}

async function signIn(email: string, password = PASSWORD, clientIp = freshIp()) {
  const result = await graphql(
    manual,
    SIGN_IN,
    { input: { email, password } },
    {
      viewer: { kind: 'anonymous' },
      clientIp,
    },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.signIn;
}

/** Signs up (confirmed at once), signs in, and returns the identity to send. */
async function shopper(name = 'Ada Lovelace') {
  const email = uniqueEmail('shopper');
  const signUp = await graphql(auto, SIGN_UP, { input: { email, password: PASSWORD, name } });
  expect(signUp.data?.signUp).toEqual({ userConfirmed: true, userErrors: [] });
  const { session } = await signIn(email);
  if (!session) throw new Error('sign-in failed');
  return { email, session, identity: identityOf(session.accessToken) };
}

/** The code the emulator would have emailed (it keeps it with the user). */
function confirmationCode(email: string): string {
  const db = JSON.parse(
    readFileSync(join(dataDir, '.cognito', 'db', `${emulator.userPoolId}.json`), 'utf8'),
  ) as {
    Users: Record<
      string,
      { Attributes: { Name: string; Value: string }[]; ConfirmationCode?: string }
    >;
  };
  const user = Object.values(db.Users).find((u) =>
    u.Attributes.some((a) => a.Name === 'email' && a.Value === email),
  );
  if (!user?.ConfirmationCode) throw new Error(`no confirmation code for ${email}`);
  return user.ConfirmationCode;
}

const address = (overrides: Record<string, unknown> = {}) => ({
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  countryCode: 'GB',
  ...overrides,
});

describe('signUp', () => {
  it('confirms the account at once when auto-confirm is on', async () => {
    const email = uniqueEmail('auto');
    const result = await graphql(auto, SIGN_UP, {
      input: { email, password: PASSWORD, name: 'Grace Hopper' },
    });
    expect(result.data?.signUp).toEqual({ userConfirmed: true, userErrors: [] });
    expect(callsOf('adminConfirmSignUp', email)).toBe(1);
    expect((await signIn(email)).session?.accessToken).toEqual(expect.any(String));
  });

  it('waits for the emailed code when auto-confirm is off', async () => {
    const email = uniqueEmail('manual');
    const result = await graphql(manual, SIGN_UP, {
      input: { email, password: PASSWORD, name: 'Grace Hopper' },
    });
    expect(result.data?.signUp).toEqual({ userConfirmed: false, userErrors: [] });
    expect(callsOf('adminConfirmSignUp', email)).toBe(0);

    expect((await signIn(email)).userErrors).toEqual([
      expect.objectContaining({ code: 'USER_NOT_CONFIRMED', field: 'email' }),
    ]);

    const wrong = await graphql(manual, CONFIRM, { input: { email, code: '000000x' } });
    expect(wrong.data?.confirmSignUp).toEqual({
      confirmed: false,
      userErrors: [expect.objectContaining({ code: 'CODE_MISMATCH', field: 'code' })],
    });

    const right = await graphql(manual, CONFIRM, {
      input: { email, code: confirmationCode(email) },
    });
    expect(right.data?.confirmSignUp).toEqual({ confirmed: true, userErrors: [] });
    expect((await signIn(email)).session?.accessToken).toEqual(expect.any(String));
  });

  it('refuses an email address that has an account, whatever its case', async () => {
    const { email } = await shopper();
    const again = await graphql(auto, SIGN_UP, {
      input: { email: email.toUpperCase(), password: PASSWORD, name: 'Someone Else' },
    });
    expect(again.data?.signUp).toEqual({
      userConfirmed: false,
      userErrors: [
        {
          code: 'USERNAME_EXISTS',
          field: 'email',
          message: 'An account with this email address already exists.',
        },
      ],
    });
  });

  it.each([
    ['too short', 'Sh0rt!'],
    ['without a capital', 'correct-horse-7'],
    ['without a digit', 'Correct-horse'],
    ['without a symbol', 'CorrectHorse7'],
  ])('refuses a weak password (%s) without asking Cognito', async (_case, password) => {
    const email = uniqueEmail('weak');
    const result = await graphql(auto, SIGN_UP, { input: { email, password, name: 'Weak' } });
    expect(result.data?.signUp).toEqual({
      userConfirmed: false,
      userErrors: [expect.objectContaining({ code: 'INVALID_PASSWORD', field: 'password' })],
    });
    expect(callsOf('signUp', email)).toBe(0);
  });

  it.each(['not-an-email', 'two@@example.com', 'spaces in@example.com', 'nodot@example'])(
    'refuses the malformed email address %p',
    async (email) => {
      const result = await graphql(auto, SIGN_UP, {
        input: { email, password: PASSWORD, name: 'Bad Email' },
      });
      expect(result.data?.signUp).toEqual({
        userConfirmed: false,
        userErrors: [expect.objectContaining({ code: 'INVALID_EMAIL', field: 'email' })],
      });
      expect(callsOf('signUp', email)).toBe(0);
    },
  );

  it('refuses an empty name', async () => {
    const result = await graphql(auto, SIGN_UP, {
      input: { email: uniqueEmail('noname'), password: PASSWORD, name: '   ' },
    });
    expect(result.data?.signUp.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'name' }),
    ]);
  });
});

describe('signIn', () => {
  it('returns the tokens Cognito issued for the user', async () => {
    const email = uniqueEmail('tokens');
    await graphql(auto, SIGN_UP, { input: { email, password: PASSWORD, name: 'Token Holder' } });
    const { session, userErrors } = await signIn(email);
    expect(userErrors).toEqual([]);
    expect(session).toEqual({
      accessToken: expect.any(String),
      idToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: expect.any(Number),
    });
    expect(session!.expiresIn).toBeGreaterThan(0);
    expect(claims(session!.accessToken)).toMatchObject({
      token_use: 'access',
      client_id: emulator.clientId,
    });
    expect(claims(session!.idToken)).toMatchObject({ email });
  });

  it('answers a wrong password and an unknown email alike, with NOT_AUTHORIZED', async () => {
    const { email } = await shopper();
    const wrong = await signIn(email, 'Wrong-password-1');
    const unknown = await signIn(uniqueEmail('nobody'), PASSWORD);
    expect(wrong).toEqual({
      session: null,
      userErrors: [
        {
          code: 'NOT_AUTHORIZED',
          field: null,
          message: 'The email address or password is not correct.',
        },
      ],
    });
    expect(unknown).toEqual(wrong);
  });

  it('refuses a malformed email address without asking Cognito', async () => {
    const before = callsOf('signIn');
    expect((await signIn('nobody at example.com')).userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_EMAIL' }),
    ]);
    expect(callsOf('signIn')).toBe(before);
  });
});

describe('the sign-in rate limit', () => {
  it(`answers RATE_LIMITED after ${SIGN_IN_LIMIT} attempts for one email, without asking Cognito`, async () => {
    const { email } = await shopper();
    const before = callsOf('signIn', email);
    for (let i = 0; i < SIGN_IN_LIMIT; i++) {
      expect((await signIn(email, 'Wrong-password-1')).userErrors[0].code).toBe('NOT_AUTHORIZED');
    }
    // From another client address and with the right password: still limited, per email.
    const limited = await signIn(email, PASSWORD);
    expect(limited).toEqual({
      session: null,
      userErrors: [expect.objectContaining({ code: 'RATE_LIMITED', field: null })],
    });
    expect(callsOf('signIn', email) - before).toBe(SIGN_IN_LIMIT);
  });

  it(`answers RATE_LIMITED after ${SIGN_IN_LIMIT} attempts from one client address, whatever the email`, async () => {
    const clientIp = freshIp();
    const emails = Array.from({ length: SIGN_IN_LIMIT + 1 }, () => uniqueEmail('spray'));
    const codes = [];
    for (const email of emails)
      codes.push((await signIn(email, PASSWORD, clientIp)).userErrors[0].code);
    expect(codes).toEqual([...Array(SIGN_IN_LIMIT).fill('NOT_AUTHORIZED'), 'RATE_LIMITED']);
    expect(callsOf('signIn', emails[SIGN_IN_LIMIT])).toBe(0);
  });

  it("clears the email's count on a successful sign-in", async () => {
    const { email } = await shopper();
    for (let i = 0; i < SIGN_IN_LIMIT - 1; i++) await signIn(email, 'Wrong-password-1');
    expect((await signIn(email)).session).not.toBeNull();
    const codes = [];
    for (let i = 0; i < SIGN_IN_LIMIT; i++)
      codes.push((await signIn(email, 'Wrong-password-1')).userErrors[0].code);
    expect(codes).toEqual(Array(SIGN_IN_LIMIT).fill('NOT_AUTHORIZED'));
  });
});

describe('refreshSession', () => {
  it('exchanges the refresh token for new access and id tokens', async () => {
    const { session } = await shopper();
    const result = await graphql(manual, REFRESH, { refreshToken: session.refreshToken });
    expect(result.data?.refreshSession).toEqual({
      session: {
        accessToken: expect.any(String),
        idToken: expect.any(String),
        refreshToken: null,
        expiresIn: expect.any(Number),
      },
      userErrors: [],
    });
    const refreshed = result.data!.refreshSession.session as Session;
    expect(claims(refreshed.accessToken).sub).toBe(claims(session.accessToken).sub);
  });

  it('refuses a refresh token Cognito did not issue', async () => {
    const result = await graphql(manual, REFRESH, { refreshToken: 'not-a-refresh-token' });
    expect(result.data?.refreshSession).toEqual({
      session: null,
      userErrors: [expect.objectContaining({ code: 'NOT_AUTHORIZED', field: 'refreshToken' })],
    });
  });
});

describe('signOut', () => {
  it('ends every session of the user: the refresh token stops working', async () => {
    const { session, identity } = await shopper();
    const out = await graphql(manual, SIGN_OUT, {}, identity);
    expect(out.data).toEqual({ signOut: { signedOut: true } });
    const refresh = await graphql(manual, REFRESH, { refreshToken: session.refreshToken });
    expect(refresh.data?.refreshSession.userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_AUTHORIZED' }),
    ]);
  });

  it('is UNAUTHENTICATED for an anonymous caller', async () => {
    const result = await graphql(manual, SIGN_OUT);
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('me', () => {
  const profileRows = async (sub: string) =>
    (await pool.query('SELECT email, name FROM users.profiles WHERE sub = $1', [sub])).rows;

  it('is null for an anonymous caller', async () => {
    expect(await graphql(manual, ME)).toEqual({ status: 200, data: { me: null } });
  });

  it('creates the profile from Cognito on the first request, and only then asks Cognito', async () => {
    const { email, session, identity } = await shopper('Katherine Johnson');
    const sub = String(claims(session.accessToken).sub);
    expect(await profileRows(sub)).toEqual([]);

    const first = await graphql(manual, ME, {}, identity);
    expect(first.data?.me).toEqual({
      id: sub,
      email,
      name: 'Katherine Johnson',
      isAdmin: false,
      addresses: [],
    });
    expect(await profileRows(sub)).toEqual([{ email, name: 'Katherine Johnson' }]);
    expect(callsOf('userOf', session.accessToken)).toBe(1);

    await graphql(manual, ME, {}, identity);
    expect(callsOf('userOf', session.accessToken)).toBe(1);
  });

  it('survives concurrent first requests, leaving one profile', async () => {
    const { session, identity } = await shopper();
    const sub = String(claims(session.accessToken).sub);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => graphql(manual, ME_ID, {}, identity)),
    );
    for (const result of results)
      expect(result).toEqual({ status: 200, data: { me: { id: sub } } });
    expect(await profileRows(sub)).toHaveLength(1);
  });

  it('says whether the user is an admin, from the identity the gateway asserted', async () => {
    const { session } = await shopper();
    const asAdmin = identityOf(session.accessToken, { isAdmin: true });
    expect((await graphql(manual, ME_IS_ADMIN, {}, asAdmin)).data).toEqual({
      me: { isAdmin: true },
    });
  });
});

describe('profileUpdate', () => {
  it("changes the user's name, and Cognito's copy is not read again", async () => {
    const { session, identity } = await shopper('Old Name');
    const result = await graphql(
      manual,
      PROFILE_UPDATE,
      { input: { name: '  New Name ' } },
      identity,
    );
    expect(result.data?.profileUpdate).toEqual({
      user: { id: claims(session.accessToken).sub, name: 'New Name' },
      userErrors: [],
    });
    expect((await graphql(manual, ME_NAME, {}, identity)).data).toEqual({
      me: { name: 'New Name' },
    });
    expect(callsOf('userOf', session.accessToken)).toBe(1);
  });

  it('refuses an empty name', async () => {
    const { identity } = await shopper();
    const result = await graphql(manual, PROFILE_UPDATE, { input: { name: ' ' } }, identity);
    expect(result.data?.profileUpdate).toEqual({
      user: null,
      userErrors: [expect.objectContaining({ code: 'INVALID_INPUT', field: 'name' })],
    });
  });

  it('is UNAUTHENTICATED for an anonymous caller', async () => {
    const result = await graphql(manual, PROFILE_UPDATE, { input: { name: 'Anon' } });
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('addresses', () => {
  const defaults = async (sub: string) =>
    (
      await pool.query<{ id: string }>(
        'SELECT id FROM users.addresses WHERE user_sub = $1 AND is_default',
        [sub],
      )
    ).rows.map((r) => r.id);

  const add = async (identity: RequestIdentity, overrides: Record<string, unknown> = {}) => {
    const result = await graphql(manual, ADDRESS_ADD, { input: address(overrides) }, identity);
    expect(result.errors).toBeUndefined();
    return result.data!.addressAdd;
  };

  it('makes the first address the default, and a later one only when asked', async () => {
    const { identity } = await shopper();
    const first = await add(identity, { isDefault: false, line2: '  ' });
    expect(first).toEqual({
      address: { id: expect.any(String), isDefault: true, countryCode: 'GB', line2: null },
      userErrors: [],
    });
    const second = await add(identity, { line1: '1 Other Road' });
    expect(second.address?.isDefault).toBe(false);
    const third = await add(identity, { line1: '2 Third Street', isDefault: true });
    expect(third.address?.isDefault).toBe(true);

    const me = await graphql(manual, ME, {}, identity);
    const listed = me.data?.me?.addresses ?? [];
    expect(listed.map((a) => [a.id, a.isDefault])).toEqual([
      [third.address!.id, true],
      [second.address!.id, false],
      [first.address!.id, false],
    ]);
  });

  it.each([
    ['two addresses asking to be the default', 2, true],
    ['eight addresses asking to be the default', 8, true],
    ['eight first addresses', 8, false],
  ])(
    'keeps exactly one default when %s are added at the same time',
    async (_case, n, isDefault) => {
      const { session, identity } = await shopper();
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          add(identity, { line1: `${i} Parallel Street`, isDefault }),
        ),
      );
      for (const result of results) expect(result.userErrors).toEqual([]);
      const sub = String(claims(session.accessToken).sub);
      const remaining = await defaults(sub);
      expect(remaining).toHaveLength(1);
      expect(results.map((r) => r.address!.id)).toContain(remaining[0]);
      const me = await graphql(manual, ME_ADDRESS_IDS, {}, identity);
      expect(me.data?.me?.addresses).toHaveLength(n);
    },
  );

  it.each([
    ['a lower-case country code', { countryCode: 'gb' }, 'countryCode'],
    ['a country code that is not assigned', { countryCode: 'XX' }, 'countryCode'],
    ['a three-letter country code', { countryCode: 'GBR' }, 'countryCode'],
    ['an empty first line', { line1: '   ' }, 'line1'],
    ['an empty city', { city: '' }, 'city'],
    ['a postal code that is too long', { postalCode: '1'.repeat(21) }, 'postalCode'],
    ['a name that is too long', { name: 'x'.repeat(101) }, 'name'],
  ])('refuses %s', async (_case, overrides, field) => {
    const { identity } = await shopper();
    expect(await add(identity, overrides)).toEqual({
      address: null,
      userErrors: [expect.objectContaining({ code: 'INVALID_INPUT', field })],
    });
  });

  it("answers NOT_FOUND for another user's address, and leaves it alone", async () => {
    const owner = await shopper();
    const other = await shopper();
    const { address: saved } = await add(owner.identity);
    const result = await graphql(manual, ADDRESS_REMOVE, { id: saved!.id }, other.identity);
    expect(result.data?.addressRemove).toEqual({
      removedId: null,
      userErrors: [expect.objectContaining({ code: 'NOT_FOUND', field: 'id' })],
    });
    const mine = await graphql(manual, ME_ADDRESS_IDS, {}, owner.identity);
    expect(mine.data?.me?.addresses).toEqual([{ id: saved!.id }]);
  });

  it.each(['00000000-0000-4000-8000-000000000000', 'not-a-uuid'])(
    'answers NOT_FOUND for the unknown id %p',
    async (id) => {
      const { identity } = await shopper();
      const result = await graphql(manual, ADDRESS_REMOVE, { id }, identity);
      expect(result.data?.addressRemove.userErrors).toEqual([
        expect.objectContaining({ code: 'NOT_FOUND' }),
      ]);
    },
  );

  it('makes the newest remaining address the default when the default is removed', async () => {
    const { session, identity } = await shopper();
    const first = (await add(identity)).address!;
    const second = (await add(identity, { line1: 'Second 2' })).address!;
    const third = (await add(identity, { line1: 'Third 3' })).address!;
    const removed = await graphql(manual, ADDRESS_REMOVE, { id: first.id }, identity);
    expect(removed.data?.addressRemove).toEqual({ removedId: first.id, userErrors: [] });
    expect(await defaults(String(claims(session.accessToken).sub))).toEqual([third.id]);

    await graphql(manual, ADDRESS_REMOVE, { id: third.id }, identity);
    expect(await defaults(String(claims(session.accessToken).sub))).toEqual([second.id]);
    await graphql(manual, ADDRESS_REMOVE, { id: second.id }, identity);
    expect((await graphql(manual, ME_ADDRESS_IDS, {}, identity)).data).toEqual({
      me: { addresses: [] },
    });
  });

  it('is UNAUTHENTICATED for an anonymous caller', async () => {
    const result = await graphql(manual, ADDRESS_ADD, { input: address() });
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the User entity', () => {
  it("resolves the caller's own user for other subgraphs, and nobody else's", async () => {
    const me = await shopper();
    const other = await shopper();
    await graphql(manual, ME_ID, {}, other.identity);
    const mySub = String(claims(me.session.accessToken).sub);
    const otherSub = String(claims(other.session.accessToken).sub);
    await graphql(manual, ME_ID, {}, me.identity);
    const result = await graphql(
      manual,
      ENTITIES,
      {
        representations: [
          { __typename: 'User', id: mySub },
          { __typename: 'User', id: otherSub },
        ],
      },
      me.identity,
    );
    expect(result.data).toEqual({ _entities: [{ id: mySub, email: me.email }, null] });
  });

  it('resolves any user for another service of the store (a reminder needs the email)', async () => {
    const someone = await shopper();
    await graphql(manual, ME_ID, {}, someone.identity);
    const sub = String(claims(someone.session.accessToken).sub);
    const asService = await graphql(
      manual,
      ENTITIES,
      { representations: [{ __typename: 'User', id: sub }] },
      serviceIdentity('cart'),
    );
    expect(asService.data).toEqual({ _entities: [{ id: sub, email: someone.email }] });
    // A Cognito user in a group called "service" is still just a user.
    const impostor = await shopper();
    const asImpostor = await graphql(
      manual,
      ENTITIES,
      { representations: [{ __typename: 'User', id: sub }] },
      {
        ...impostor.identity,
        viewer: {
          ...(impostor.identity.viewer as Extract<RequestIdentity['viewer'], { kind: 'user' }>),
          groups: ['service'],
        },
      },
    );
    expect(asImpostor.data).toEqual({ _entities: [null] });
  });
});
