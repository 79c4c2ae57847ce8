/** Real Cognito tokens from the emulator, and forged variants of them for negative tests. */
import { createSign, type JsonWebKey } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoClient } from '../../dev/embedded/cognito';
import { cognito } from './services';

export interface TestUser {
  email: string;
  password: string;
  accessToken: string;
  idToken: string;
  refreshToken: string;
  sub: string;
}

let counter = 0;

/** Signs up, confirms and signs in a new user; `admin` puts them in the admin group first. */
export async function createUser(
  options: { admin?: boolean; name?: string } = {},
): Promise<TestUser> {
  const pool = cognito();
  const client = cognitoClient(pool.endpoint, pool.region);
  const email = `shopper-${process.pid}-${Date.now()}-${counter++}@example.com`;
  const password = 'Correct-horse-7';
  try {
    await client.send(
      new SignUpCommand({
        ClientId: pool.clientId,
        Username: email,
        Password: password,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'name', Value: options.name ?? 'Test Shopper' },
        ],
      }),
    );
    await client.send(
      new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: email }),
    );
    if (options.admin) {
      await client.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: pool.userPoolId,
          Username: email,
          GroupName: 'admin',
        }),
      );
    }
    const auth = await client.send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    const result = auth.AuthenticationResult;
    if (!result?.AccessToken || !result.IdToken || !result.RefreshToken)
      throw new Error('no tokens');
    return {
      email,
      password,
      accessToken: result.AccessToken,
      idToken: result.IdToken,
      refreshToken: result.RefreshToken,
      sub: String(claimsOf(result.AccessToken).sub),
    };
  } finally {
    client.destroy();
  }
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

const emulatorKey = (
  require('cognito-local/lib/keys/cognitoLocal.private.json') as { jwk: JsonWebKey }
).jwk;

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed with the emulator's key (so only the claims or header make it invalid). */
export function mint(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const head = part({ alg: 'RS256', kid: 'CognitoLocal', typ: 'JWT', ...header });
  const body = part(claims);
  const signer = createSign('RSA-SHA256');
  signer.update(`${head}.${body}`);
  return `${head}.${body}.${signer.sign({ key: emulatorKey, format: 'jwk' }).toString('base64url')}`;
}

/** `alg: none`, no signature. */
export function unsigned(claims: Record<string, unknown>): string {
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
