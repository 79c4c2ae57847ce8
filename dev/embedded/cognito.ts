/**
 * A Cognito-compatible user pool for local runs and tests (cognito-local, plus GlobalSignOut),
 * started when COGNITO_USER_POOL_ID is unset. The pool id and the token issuer are AWS-shaped
 * (`us-east-1_AbC123xyZ`, `https://cognito-idp.us-east-1.amazonaws.com/<pool>`), so the gateway
 * verifies its tokens with the same CognitoJwtVerifier code path as in production; only the JWKS
 * is fetched from the emulator. State (users, the pool, the app client) lives in `dataDir`.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { projectPath } from '../../common/paths';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';

export interface EmbeddedCognitoOptions {
  dataDir: string;
  /** TCP port. */
  port: number;
  /** Interface to listen on; default 127.0.0.1 (0.0.0.0 in a container). */
  host?: string;
  region?: string;
  /** Fixed ids for a new pool (docker-compose), instead of random ones. */
  userPoolId?: string;
  clientId?: string;
}

export interface EmbeddedCognito {
  /** Endpoint for `new CognitoIdentityProviderClient({ endpoint })`. */
  endpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
  /** Where the pool's signing keys are published. */
  jwksUrl: string;
  stop(): Promise<void>;
}

interface PoolState {
  userPoolId: string;
  clientId: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomId = (length: number) =>
  Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

export function cognitoClient(endpoint: string, region: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function waitForPort(url: string, child: ReturnType<typeof spawn>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the Cognito emulator exited with code ${child.exitCode}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('the Cognito emulator did not start');
}

export async function startEmbeddedCognito(
  options: EmbeddedCognitoOptions,
): Promise<EmbeddedCognito> {
  const region = options.region ?? 'us-east-1';
  const dataDir = resolve(options.dataDir);
  const statePath = join(dataDir, 'pool.json');
  await mkdir(join(dataDir, '.cognito', 'db'), { recursive: true });
  // Tokens name the issuer AWS would: https://cognito-idp.<region>.amazonaws.com/<pool id>.
  await writeFile(
    join(dataDir, '.cognito', 'config.json'),
    JSON.stringify({
      TokenConfig: { IssuerDomain: `https://cognito-idp.${region}.amazonaws.com` },
    }),
  );

  let state: PoolState | null = existsSync(statePath)
    ? (JSON.parse(await readFile(statePath, 'utf8')) as PoolState)
    : null;
  const userPoolId = state?.userPoolId ?? options.userPoolId ?? `${region}_${randomId(9)}`;
  if (!state) {
    const now = new Date().toISOString();
    await writeFile(
      join(dataDir, '.cognito', 'db', `${userPoolId}.json`),
      JSON.stringify({
        Users: {},
        Groups: {},
        Options: {
          Id: userPoolId,
          Name: 'storefront',
          Arn: `arn:aws:cognito-idp:${region}:000000000000:userpool/${userPoolId}`,
          UsernameAttributes: ['email'],
          AutoVerifiedAttributes: ['email'],
          MfaConfiguration: 'OFF',
          CreationDate: now,
          LastModifiedDate: now,
        },
      }),
    );
    if (options.clientId) {
      await writeFile(
        join(dataDir, '.cognito', 'db', 'clients.json'),
        JSON.stringify({
          Clients: {
            [options.clientId]: {
              ClientId: options.clientId,
              ClientName: 'storefront-apps',
              ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
              UserPoolId: userPoolId,
              CreationDate: now,
              LastModifiedDate: now,
            },
          },
        }),
      );
    }
  }

  const entry = join(__dirname, `cognito-process${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
  const args = entry.endsWith('.ts')
    ? ['-r', require.resolve('ts-node/register/transpile-only'), entry]
    : [entry];
  const child = spawn(process.execPath, args, {
    cwd: dataDir,
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      TS_NODE_TRANSPILE_ONLY: 'true',
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      TS_NODE_PROJECT: projectPath('tsconfig.json'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  try {
    await waitForPort(`${endpoint}/${userPoolId}/.well-known/jwks.json`, child);
    if (!state) {
      const client = cognitoClient(endpoint, region);
      try {
        const clientId =
          options.clientId ??
          (
            await client.send(
              new CreateUserPoolClientCommand({
                UserPoolId: userPoolId,
                ClientName: 'storefront-apps',
                ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
              }),
            )
          ).UserPoolClient?.ClientId;
        if (!clientId) throw new Error('the Cognito emulator created no app client');
        await client.send(
          new CreateGroupCommand({
            UserPoolId: userPoolId,
            GroupName: 'admin',
            Description: 'Back-office administrators',
          }),
        );
        state = { userPoolId, clientId };
        await writeFile(statePath, JSON.stringify(state));
      } finally {
        client.destroy();
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    region,
    userPoolId,
    clientId: state.clientId,
    jwksUrl: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
    stop,
  };
}

/** A user in the admin group, with DEV_ADMIN_PASSWORD; kept as it is when it exists. */
export async function ensureDevAdmin(
  pool: Omit<EmbeddedCognito, 'stop' | 'jwksUrl'>,
  email: string,
  password: string,
): Promise<void> {
  const client = cognitoClient(pool.endpoint, pool.region);
  try {
    try {
      await client.send(
        new AdminCreateUserCommand({
          UserPoolId: pool.userPoolId,
          Username: email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'name', Value: 'Store Admin' },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'UsernameExistsException')) throw error;
      return;
    }
    await client.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: email,
        Password: password,
        Permanent: true,
      }),
    );
    await client.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: pool.userPoolId,
        Username: email,
        GroupName: 'admin',
      }),
    );
  } finally {
    client.destroy();
  }
}
