import { domainEventSettings } from '../../../common/domain-events';
import { ConfigError, env, loadConfig } from '../../../common/config';

export const userSettings = {
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  port: env.port('PORT', 4003),
  databaseUrl: env.url('DATABASE_URL', undefined, ['postgres', 'postgresql']),
  databasePoolSize: env.int('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
  /** The Cognito user pool, AWS-shaped: `<region>_<id>`. */
  userPoolId: env.string('COGNITO_USER_POOL_ID'),
  /** The app client the store signs users in with (no client secret). */
  clientId: env.string('COGNITO_CLIENT_ID'),
  /** Defaults to the region the pool id names. */
  region: env.optionalString('AWS_REGION'),
  /** The local Cognito emulator; unset on AWS. */
  cognitoEndpoint: env.optionalUrl('COGNITO_ENDPOINT'),
  /**
   * Confirms sign-ups at once (AdminConfirmSignUp), standing in for the pre-sign-up Lambda
   * trigger an AWS pool would use.
   */
  autoConfirm: env.bool('COGNITO_AUTO_CONFIRM', false),
  /** The shared cache (sign-in counters); an in-process cache when unset. */
  redisUrl: env.optionalUrl('REDIS_URL', ['redis', 'rediss']),
  /** Sign-in attempts allowed per window, per email and per client address. */
  signInLimit: env.int('SIGN_IN_LIMIT', 5, { min: 1, max: 10_000 }),
  signInLimitPerIp: env.int('SIGN_IN_LIMIT_PER_IP', 50, { min: 1, max: 100_000 }),
  signInWindowSeconds: env.int('SIGN_IN_WINDOW_SECONDS', 300, { min: 1, max: 86_400 }),
  /** EVENTS_TOPIC_ARN, EVENTS_ENDPOINT, AWS_REGION: the store's domain events (docs/events.md). */
  ...domainEventSettings,
};

/** Reads the settings; AWS_REGION falls back to the prefix of the pool id. */
export function loadUserConfig(source: Record<string, string | undefined> = process.env) {
  const config = loadConfig(userSettings, source);
  const match = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[A-Za-z0-9]+$/.exec(config.userPoolId);
  if (!match) {
    throw new ConfigError(
      'COGNITO_USER_POOL_ID',
      `must look like <region>_<id>, for example us-east-1_AbC123xyZ (got "${config.userPoolId.slice(0, 60)}")`,
    );
  }
  return { ...config, region: config.region ?? match[1] };
}
