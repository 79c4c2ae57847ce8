/**
 * Registration and sessions: the rules in front of Cognito. Inputs are checked here first, so a
 * malformed email or a weak password never reaches Cognito; sign-in attempts are rate limited
 * before Cognito is asked. Every method takes the request context first.
 */
import type { RequestContext } from '../../../common/context';
import {
  domainEvent,
  eventIdFor,
  type DomainEvent,
  type DomainEventPublisher,
} from '../../../common/domain-events';
import type { Logger } from '../../../common/logger';
import { requireUser } from '../../../common/identity';
import type { CognitoAccounts } from './cognito';
import { accountError, type AccountUserError, type Session } from './domain';
import type { SignInLimiter } from './rate-limit';
import type { UserLoaders } from './loaders';
import { checkName, emailError, normaliseEmail, passwordError } from './validation';

export interface AccountSettings {
  /** Confirm sign-ups at once, without the emailed code. */
  autoConfirm: boolean;
  /** The store's SNS topic, for `shopper.signed_up`. */
  topic?: DomainEventPublisher;
  logger?: Logger;
}

interface Errors {
  userErrors: AccountUserError[];
}

const failed = (error: AccountUserError) => ({ userErrors: [error] });

export class AccountService {
  constructor(
    private readonly accounts: CognitoAccounts,
    private readonly limiter: SignInLimiter,
    private readonly settings: AccountSettings,
  ) {}

  async signUp(
    _ctx: RequestContext<UserLoaders>,
    input: { email: string; password: string; name: string },
  ): Promise<Errors & { userConfirmed: boolean }> {
    const email = normaliseEmail(input.email);
    const problem = emailError(email) ?? passwordError(input.password);
    if (problem) return { userConfirmed: false, ...failed(problem) };
    const name = checkName(input.name);
    if ('code' in name) return { userConfirmed: false, ...failed(name) };

    const result = await this.accounts.signUp(email, input.password, name.name);
    if (!result.ok) return { userConfirmed: false, ...failed(result.error) };
    let userConfirmed = result.value.userConfirmed;
    if (!userConfirmed && this.settings.autoConfirm) {
      await this.accounts.adminConfirmSignUp(email);
      userConfirmed = true;
    }
    if (result.value.sub) {
      await this.published(
        shopperSignedUp(result.value.sub, email, name.name, userConfirmed),
        result.value.sub,
      );
    }
    return { userConfirmed, userErrors: [] };
  }

  /**
   * Publishes after Cognito has the account, trying three times; the sign-up stands either way.
   * An event that still fails is logged with the shopper's id (the user service has no outbox).
   */
  private async published(event: DomainEvent<object>, sub: string): Promise<void> {
    const topic = this.settings.topic;
    if (!topic) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await topic.publish(event);
        return;
      } catch (error) {
        if (attempt === 3) {
          this.settings.logger?.error('shopper.signed_up not published', {
            sub,
            eventId: event.id,
            error: error instanceof Error ? error.message : String(error),
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async confirmSignUp(
    _ctx: RequestContext<UserLoaders>,
    input: { email: string; code: string },
  ): Promise<Errors & { confirmed: boolean }> {
    const email = normaliseEmail(input.email);
    const invalid = emailError(email);
    if (invalid) return { confirmed: false, ...failed(invalid) };
    const code = input.code.trim();
    if (!/^[0-9A-Za-z]{1,32}$/.test(code)) {
      return {
        confirmed: false,
        ...failed(accountError('CODE_MISMATCH', 'The confirmation code is not correct.', 'code')),
      };
    }
    const result = await this.accounts.confirmSignUp(email, code);
    return result.ok
      ? { confirmed: true, userErrors: [] }
      : { confirmed: false, ...failed(result.error) };
  }

  /**
   * Past the limit (per email and per client address) the answer is RATE_LIMITED and Cognito is
   * not asked. A successful sign-in clears the email's count.
   */
  async signIn(
    ctx: RequestContext<UserLoaders>,
    input: { email: string; password: string },
  ): Promise<Errors & { session: Session | null }> {
    const email = normaliseEmail(input.email);
    const invalid = emailError(email);
    if (invalid) return { session: null, ...failed(invalid) };
    if (input.password.length === 0) {
      return {
        session: null,
        ...failed(accountError('NOT_AUTHORIZED', 'The email address or password is not correct.')),
      };
    }
    if (!(await this.limiter.admit(email, ctx.identity.clientIp))) {
      return {
        session: null,
        ...failed(
          accountError(
            'RATE_LIMITED',
            'Too many sign-in attempts. Wait a few minutes and try again.',
          ),
        ),
      };
    }
    const result = await this.accounts.signIn(email, input.password);
    if (!result.ok) return { session: null, ...failed(result.error) };
    await this.limiter.reset(email);
    return { session: result.value, userErrors: [] };
  }

  async refreshSession(
    _ctx: RequestContext<UserLoaders>,
    refreshToken: string,
  ): Promise<Errors & { session: Session | null }> {
    if (refreshToken.trim().length === 0) {
      return {
        session: null,
        ...failed(
          accountError('NOT_AUTHORIZED', 'The session has ended. Sign in again.', 'refreshToken'),
        ),
      };
    }
    const result = await this.accounts.refreshSession(refreshToken);
    return result.ok
      ? { session: result.value, userErrors: [] }
      : { session: null, ...failed(result.error) };
  }

  /** Ends every session of the signed-in user: their refresh tokens stop working. */
  async signOut(ctx: RequestContext<UserLoaders>): Promise<{ signedOut: boolean }> {
    const viewer = requireUser(ctx.identity.viewer);
    await this.accounts.signOut(viewer.accessToken);
    return { signedOut: true };
  }
}

/** `shopper.signed_up` (docs/events.md): one per Cognito account, whatever retried it. */
export const shopperSignedUp = (sub: string, email: string, name: string, confirmed: boolean) =>
  domainEvent(
    'shopper.signed_up',
    'user',
    sub,
    { shopperId: sub, email, name, confirmed },
    { id: eventIdFor(`shopper.signed_up:${sub}`) },
  );
