/**
 * The error registry: every code a client can see in `errors[].extensions.code`, what it means,
 * and a factory for it. Expected business outcomes are `userErrors` in payloads, not these.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const errorCodes = {
  BAD_USER_INPUT: 'An argument or variable is invalid: out of range, malformed, or contradictory.',
  UNAUTHENTICATED: 'The operation needs a signed-in shopper, or the token sent is not valid.',
  FORBIDDEN: 'The caller is signed in but not allowed to do this (not an admin, or not the owner).',
  RATE_LIMITED: 'Too many attempts in a short time; wait a few minutes before trying again.',
  SUBGRAPH_UNAVAILABLE:
    'A service behind the gateway did not answer; the fields it serves are null in this response.',
  INTERNAL_SERVER_ERROR: 'Something failed on our side. The details are logged, never returned.',
  BAD_REQUEST: 'The HTTP request itself is malformed (body, method or headers).',
  GRAPHQL_PARSE_FAILED: 'The query is not syntactically valid GraphQL.',
  GRAPHQL_VALIDATION_FAILED: 'The query does not validate against the schema.',
  PERSISTED_QUERY_NOT_FOUND: 'The persisted query hash is not known; send the full query.',
  PERSISTED_QUERY_NOT_SUPPORTED: 'Persisted queries are not enabled on this endpoint.',
  OPERATION_RESOLUTION_FAILURE: 'The operation name does not match an operation in the document.',
  // The gateway's edge: trusted documents and the limits checked before anything executes.
  PERSISTED_QUERY_NOT_IN_LIST: 'Only registered operations run here; this one is not registered.',
  PERSISTED_QUERY_ID_REQUIRED: 'Operations must be sent by their document id, not as text.',
  MAX_DEPTH_LIMIT: 'The operation nests fields deeper than the gateway allows.',
  MAX_ALIASES_LIMIT: 'The operation uses more aliases than the gateway allows.',
  MAX_ROOT_FIELDS_LIMIT: 'The operation selects more root fields than the gateway allows.',
  MAX_TOKENS_LIMIT: 'The document is longer (in GraphQL tokens) than the gateway allows.',
  MAX_DIRECTIVES_LIMIT: 'The operation uses more directives than the gateway allows.',
  COST_ESTIMATED_TOO_EXPENSIVE:
    'The estimated cost (fields times the list sizes asked for) is above what the gateway allows.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** Codes whose message is written for clients and is passed through unchanged. */
const publicCodes = new Set<string>(Object.keys(errorCodes));

function build(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const errors = {
  badUserInput: (message: string, argument?: string) =>
    build('BAD_USER_INPUT', message, argument ? { argument } : {}),
  unauthenticated: (message = 'Sign in to do this.') => build('UNAUTHENTICATED', message),
  forbidden: (message = 'You are not allowed to do this.') => build('FORBIDDEN', message),
  subgraphUnavailable: (service: string) =>
    build('SUBGRAPH_UNAVAILABLE', `The ${service} service is unavailable right now.`, { service }),
  rateLimited: (message = 'Too many attempts. Wait a few minutes and try again.') =>
    build('RATE_LIMITED', message),
  internal: () => build('INTERNAL_SERVER_ERROR', 'Internal server error'),
};

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
