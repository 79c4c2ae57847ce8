/**
 * The error registry: every code a client can see in `errors[].extensions.code`, what it means,
 * and a factory for it. Expected business outcomes are `userErrors` in payloads, not these.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** One registered code: what it means, and how an error with it is built. */
export interface ErrorDefinition<TCode extends string, TArgs extends unknown[]> {
  (...args: TArgs): GraphQLError;
  readonly code: TCode;
  readonly description: string;
}

function define<TCode extends string, TArgs extends unknown[]>(
  code: TCode,
  description: string,
  make: (...args: TArgs) => { message: string; extensions?: Record<string, unknown> },
): ErrorDefinition<TCode, TArgs> {
  const create = (...args: TArgs) => {
    const { message, extensions = {} } = make(...args);
    return new GraphQLError(message, { extensions: { ...extensions, code } });
  };
  return Object.assign(create, { code, description });
}

/** The registry. A code raised by Apollo Server itself has a definition too, for its meaning. */
export const errors = {
  badUserInput: define(
    'BAD_USER_INPUT',
    'An argument or variable is invalid: out of range, malformed, or contradictory.',
    (message: string, argument?: string) => ({
      message,
      extensions: argument ? { argument } : {},
    }),
  ),
  unauthenticated: define(
    'UNAUTHENTICATED',
    'The operation needs a signed-in shopper, or the token sent is not valid.',
    (message: string = 'Sign in to do this.') => ({ message }),
  ),
  forbidden: define(
    'FORBIDDEN',
    'The caller is signed in but not allowed to do this (not an admin, or not the owner).',
    (message: string = 'You are not allowed to do this.') => ({ message }),
  ),
  rateLimited: define(
    'RATE_LIMITED',
    'Too many attempts in a short time; wait a few minutes before trying again.',
    (message: string = 'Too many attempts. Wait a few minutes and try again.') => ({ message }),
  ),
  subgraphUnavailable: define(
    'SUBGRAPH_UNAVAILABLE',
    'A service behind the gateway did not answer; the fields it serves are null in this response.',
    (service: string) => ({
      message: `The ${service} service is unavailable right now.`,
      extensions: { service },
    }),
  ),
  internal: define(
    'INTERNAL_SERVER_ERROR',
    'Something failed on our side. The details are logged, never returned.',
    () => ({ message: 'Internal server error' }),
  ),
  badRequest: define(
    'BAD_REQUEST',
    'The HTTP request itself is malformed (body, method or headers).',
    (message: string) => ({ message }),
  ),
  parseFailed: define(
    'GRAPHQL_PARSE_FAILED',
    'The query is not syntactically valid GraphQL.',
    (message: string) => ({ message }),
  ),
  validationFailed: define(
    'GRAPHQL_VALIDATION_FAILED',
    'The query does not validate against the schema.',
    (message: string) => ({ message }),
  ),
  persistedQueryNotFound: define(
    'PERSISTED_QUERY_NOT_FOUND',
    'The persisted query hash is not known; send the full query.',
    () => ({ message: 'PersistedQueryNotFound' }),
  ),
  persistedQueryNotSupported: define(
    'PERSISTED_QUERY_NOT_SUPPORTED',
    'Persisted queries are not enabled on this endpoint.',
    () => ({ message: 'PersistedQueryNotSupported' }),
  ),
  operationResolutionFailure: define(
    'OPERATION_RESOLUTION_FAILURE',
    'The operation name does not match an operation in the document.',
    (message: string) => ({ message }),
  ),
  // The gateway's edge: trusted documents and the limits checked before anything executes.
  persistedQueryNotInList: define(
    'PERSISTED_QUERY_NOT_IN_LIST',
    'Only registered operations run here; this one is not registered.',
    (message: string) => ({ message }),
  ),
  persistedQueryIdRequired: define(
    'PERSISTED_QUERY_ID_REQUIRED',
    'Operations must be sent by their document id, not as text.',
    (message: string) => ({ message }),
  ),
  maxDepth: define(
    'MAX_DEPTH_LIMIT',
    'The operation nests fields deeper than the gateway allows.',
    (message: string) => ({ message }),
  ),
  maxAliases: define(
    'MAX_ALIASES_LIMIT',
    'The operation uses more aliases than the gateway allows.',
    (message: string) => ({ message }),
  ),
  maxRootFields: define(
    'MAX_ROOT_FIELDS_LIMIT',
    'The operation selects more root fields than the gateway allows.',
    (message: string) => ({ message }),
  ),
  maxTokens: define(
    'MAX_TOKENS_LIMIT',
    'The document is longer (in GraphQL tokens) than the gateway allows.',
    (message: string) => ({ message }),
  ),
  maxDirectives: define(
    'MAX_DIRECTIVES_LIMIT',
    'The operation uses more directives than the gateway allows.',
    (message: string) => ({ message }),
  ),
  costTooExpensive: define(
    'COST_ESTIMATED_TOO_EXPENSIVE',
    'The estimated cost (fields times the list sizes asked for) is above what the gateway allows.',
    (message: string) => ({ message }),
  ),
  // Webhooks (answered as `{ "error": { "code", "message" } }` with an HTTP status).
  webhookSignatureInvalid: define(
    'WEBHOOK_SIGNATURE_INVALID',
    'A webhook delivery without a valid signature: headers missing, or an HMAC that does not match (401).',
    (message: string) => ({ message }),
  ),
  webhookTimestampExpired: define(
    'WEBHOOK_TIMESTAMP_EXPIRED',
    'A webhook delivery signed more than 5 minutes before (or after) it arrived (401).',
    (message: string) => ({ message }),
  ),
  webhookReplayed: define(
    'WEBHOOK_REPLAYED',
    'A webhook delivery that was already received: the same signed request again (409).',
    (message: string) => ({ message }),
  ),
  webhookPayloadInvalid: define(
    'WEBHOOK_PAYLOAD_INVALID',
    'A signed webhook delivery whose body is not what the endpoint takes (400), or that names an order or charge it cannot apply to (422).',
    (message: string) => ({ message }),
  ),
  // Live updates (subscriptions at the gateway).
  notFound: define(
    'NOT_FOUND',
    'A subscription follows a product or an order that does not exist.',
    (message: string) => ({ message }),
  ),
  subscriptionLimit: define(
    'SUBSCRIPTION_LIMIT',
    'The connection or the client address already holds as many subscriptions as allowed.',
    (message: string) => ({ message }),
  ),
  slowConsumer: define(
    'SLOW_CONSUMER',
    'The client did not read its events as fast as they came; the subscription was ended.',
    (message: string) => ({ message }),
  ),
};

/** Every registered code and what it means. */
export const errorCodes: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(errors).map((e) => [e.code, e.description]),
);

export type ErrorCode = (typeof errors)[keyof typeof errors]['code'];

/** Codes whose message is written for clients and is passed through unchanged. */
const publicCodes = new Set<string>(Object.keys(errorCodes));

/**
 * Apollo `formatError`: keeps errors that carry a registered code, replaces everything else
 * (a driver error, a bug, a message that may hold SQL or a host name) with a bare
 * INTERNAL_SERVER_ERROR, and strips stack traces and exception details in every case.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  onUnexpected?: (formatted: GraphQLFormattedError, original: unknown) => void,
  original?: unknown,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
  if (typeof code === 'string' && publicCodes.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
    return { ...formatted, extensions };
  }
  onUnexpected?.(formatted, original);
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
