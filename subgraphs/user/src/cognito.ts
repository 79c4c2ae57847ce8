/**
 * The accounts port: what the user service asks of Amazon Cognito, and its implementation over
 * the AWS SDK. Expected outcomes (a taken email, a wrong password) come back as AccountUserErrors
 * with messages of our own; Cognito's own messages are logged, never returned. Anything else
 * Cognito answers is thrown, and the subgraph masks it as INTERNAL_SERVER_ERROR.
 */
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  SignUpCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Logger } from '../../../common/logger';
import { accountError, type AccountUserError, type Session } from './domain';

export type AccountResult<T> = { ok: true; value: T } | { ok: false; error: AccountUserError };

/** The Cognito attributes the store copies into a new profile. */
export interface CognitoProfile {
  email: string | null;
  name: string | null;
}

export interface CognitoAccounts {
  /** Registers `email` (the username) with a password and the `email` and `name` attributes. */
  signUp(
    email: string,
    password: string,
    name: string,
  ): Promise<AccountResult<{ userConfirmed: boolean; sub: string | null }>>;
  /** Confirms a sign-up with the code Cognito sent to the email address. */
  confirmSignUp(email: string, code: string): Promise<AccountResult<null>>;
  /** Confirms a sign-up without a code (the service's own credentials). */
  adminConfirmSignUp(email: string): Promise<void>;
  /** USER_PASSWORD_AUTH. */
  signIn(email: string, password: string): Promise<AccountResult<Session>>;
  /** REFRESH_TOKEN_AUTH: new access and id tokens; the refresh token stays the same. */
  refreshSession(refreshToken: string): Promise<AccountResult<Session>>;
  /** Revokes every refresh token of the user the access token belongs to (GlobalSignOut). */
  signOut(accessToken: string): Promise<void>;
  /** The attributes of the access token's user; null when Cognito no longer accepts the token. */
  userOf(accessToken: string): Promise<CognitoProfile | null>;
}

export interface CognitoSettings {
  userPoolId: string;
  clientId: string;
  region: string;
  /** The local emulator; unset on AWS. */
  endpoint?: string;
}

export function createCognitoClient(settings: CognitoSettings): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: settings.region,
    ...(settings.endpoint
      ? {
          endpoint: settings.endpoint,
          // The emulator accepts any credentials; on AWS the default provider chain is used.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  });
}

/** The operations whose Cognito exceptions are mapped, each in its own way. */
export type CognitoOperation = 'signUp' | 'confirmSignUp' | 'signIn' | 'refreshSession';

const exceptionName = (error: unknown): string =>
  error instanceof Error ? error.name : typeof error === 'string' ? error : 'unknown';

const throttled = new Set([
  'TooManyRequestsException',
  'TooManyFailedAttemptsException',
  'LimitExceededException',
]);

const messages = {
  usernameExists: 'An account with this email address already exists.',
  invalidPassword:
    'Choose a stronger password: at least 8 characters, with upper and lower case letters, a digit and a symbol.',
  invalidEmail: 'Enter a valid email address.',
  wrongCredentials: 'The email address or password is not correct.',
  notConfirmed: 'Confirm your email address with the code we sent before signing in.',
  codeMismatch: 'The confirmation code is not correct or has expired.',
  noSignUp: 'There is no sign-up waiting for confirmation with this email address.',
  cannotConfirm: 'This account cannot be confirmed; it may be confirmed already.',
  sessionEnded: 'The session has ended. Sign in again.',
  rateLimited: 'Too many attempts. Wait a few minutes and try again.',
};

/**
 * The AccountUserError a Cognito exception stands for in `operation`, or null when it is not an
 * expected outcome (then it is thrown). Sign-in never says whether an email address has an
 * account: an unknown user is NOT_AUTHORIZED like a wrong password.
 */
export function accountErrorFor(
  operation: CognitoOperation,
  error: unknown,
): AccountUserError | null {
  const name = exceptionName(error);
  const message = error instanceof Error ? error.message : '';
  if (throttled.has(name)) return accountError('RATE_LIMITED', messages.rateLimited);
  switch (operation) {
    case 'signUp':
      if (name === 'UsernameExistsException')
        return accountError('USERNAME_EXISTS', messages.usernameExists, 'email');
      if (name === 'InvalidPasswordException')
        return accountError('INVALID_PASSWORD', messages.invalidPassword, 'password');
      if (name === 'InvalidParameterException') {
        if (/password/i.test(message))
          return accountError('INVALID_PASSWORD', messages.invalidPassword, 'password');
        if (/email|username/i.test(message))
          return accountError('INVALID_EMAIL', messages.invalidEmail, 'email');
      }
      return null;
    case 'confirmSignUp':
      if (name === 'CodeMismatchException' || name === 'ExpiredCodeException')
        return accountError('CODE_MISMATCH', messages.codeMismatch, 'code');
      if (name === 'UserNotFoundException')
        return accountError('NOT_FOUND', messages.noSignUp, 'email');
      if (name === 'NotAuthorizedException')
        return accountError('NOT_AUTHORIZED', messages.cannotConfirm, 'email');
      if (name === 'InvalidParameterException' && /email|username/i.test(message))
        return accountError('INVALID_EMAIL', messages.invalidEmail, 'email');
      return null;
    case 'signIn':
      if (
        name === 'NotAuthorizedException' ||
        name === 'UserNotFoundException' ||
        // What the emulator answers for a wrong password (Cognito: NotAuthorizedException).
        name === 'InvalidPasswordException' ||
        name === 'PasswordResetRequiredException'
      )
        return accountError('NOT_AUTHORIZED', messages.wrongCredentials);
      if (name === 'UserNotConfirmedException')
        return accountError('USER_NOT_CONFIRMED', messages.notConfirmed, 'email');
      if (name === 'InvalidParameterException' && /email|username/i.test(message))
        return accountError('INVALID_EMAIL', messages.invalidEmail, 'email');
      return null;
    case 'refreshSession':
      if (name === 'NotAuthorizedException' || name === 'UserNotFoundException')
        return accountError('NOT_AUTHORIZED', messages.sessionEnded, 'refreshToken');
      return null;
  }
}

/** Seconds until `token` expires, from its `exp` claim; null when it cannot be read. */
function secondsLeft(token: string): number | null {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { exp?: unknown };
    if (typeof payload.exp !== 'number') return null;
    return Math.max(0, Math.round(payload.exp - Date.now() / 1000));
  } catch {
    return null;
  }
}

function toSession(result: AuthenticationResultType | undefined): Session | null {
  if (!result?.AccessToken || !result.IdToken) return null;
  return {
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken ?? null,
    // The emulator leaves ExpiresIn out; the token's own expiry says the same.
    expiresIn: result.ExpiresIn ?? secondsLeft(result.AccessToken),
  };
}

const attribute = (attributes: { Name?: string; Value?: string }[] | undefined, name: string) =>
  attributes?.find((a) => a.Name === name)?.Value ?? null;

export class CognitoAccountsClient implements CognitoAccounts {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly settings: CognitoSettings,
    private readonly logger: Logger,
  ) {}

  /** Runs `call`; a mapped exception becomes a failed result, any other is thrown. */
  private async attempt<T>(
    operation: CognitoOperation,
    call: () => Promise<T>,
  ): Promise<AccountResult<T>> {
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      const mapped = accountErrorFor(operation, error);
      if (!mapped) throw error;
      this.logger.info('cognito refused', {
        operation,
        exception: exceptionName(error),
        detail: error instanceof Error ? error.message : String(error),
        code: mapped.code,
      });
      return { ok: false, error: mapped };
    }
  }

  signUp(email: string, password: string, name: string) {
    return this.attempt('signUp', async () => {
      const output = await this.client.send(
        new SignUpCommand({
          ClientId: this.settings.clientId,
          Username: email,
          Password: password,
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'name', Value: name },
          ],
        }),
      );
      return { userConfirmed: output.UserConfirmed === true, sub: output.UserSub ?? null };
    });
  }

  confirmSignUp(email: string, code: string) {
    return this.attempt('confirmSignUp', async () => {
      await this.client.send(
        new ConfirmSignUpCommand({
          ClientId: this.settings.clientId,
          Username: email,
          ConfirmationCode: code,
        }),
      );
      return null;
    });
  }

  async adminConfirmSignUp(email: string): Promise<void> {
    await this.client.send(
      new AdminConfirmSignUpCommand({ UserPoolId: this.settings.userPoolId, Username: email }),
    );
  }

  async signIn(email: string, password: string): Promise<AccountResult<Session>> {
    const result = await this.attempt('signIn', () =>
      this.client.send(
        new InitiateAuthCommand({
          ClientId: this.settings.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      ),
    );
    if (!result.ok) return result;
    const session = toSession(result.value.AuthenticationResult);
    if (!session) {
      // A challenge (MFA, a new password) the store's clients cannot answer.
      this.logger.warn('cognito asked for a sign-in challenge', {
        challenge: result.value.ChallengeName ?? 'none',
      });
      return { ok: false, error: accountError('NOT_AUTHORIZED', messages.wrongCredentials) };
    }
    return { ok: true, value: session };
  }

  async refreshSession(refreshToken: string): Promise<AccountResult<Session>> {
    const result = await this.attempt('refreshSession', () =>
      this.client.send(
        new InitiateAuthCommand({
          ClientId: this.settings.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      ),
    );
    if (!result.ok) return result;
    const session = toSession(result.value.AuthenticationResult);
    if (!session) throw new Error('Cognito returned no tokens for a refresh');
    return { ok: true, value: session };
  }

  async signOut(accessToken: string): Promise<void> {
    try {
      await this.client.send(new GlobalSignOutCommand({ AccessToken: accessToken }));
    } catch (error) {
      // The token was revoked by an earlier sign-out: the user is signed out already.
      if (exceptionName(error) === 'NotAuthorizedException') return;
      throw error;
    }
  }

  async userOf(accessToken: string): Promise<CognitoProfile | null> {
    try {
      const output = await this.client.send(new GetUserCommand({ AccessToken: accessToken }));
      return {
        email: attribute(output.UserAttributes, 'email'),
        name: attribute(output.UserAttributes, 'name'),
      };
    } catch (error) {
      if (exceptionName(error) === 'NotAuthorizedException') return null;
      throw error;
    }
  }
}
