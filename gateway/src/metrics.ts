/**
 * The gateway's metrics (names as in deploy/README.md): requests by operation, outcome and cache
 * status, their latency, the subgraph fetches, the edge's refusals, live subscriptions. The
 * `operation` label only ever holds a persisted operation's name (the trusted-documents
 * manifest), `anonymous` for an unnamed operation, or `other`: a client cannot grow the number
 * of series.
 */
import { HttpError, type GraphQLHttpRequest } from '../../common/http';
import { requestObserver, noteOperation, type RequestObserver } from '../../common/access-log';
import { recordDuration } from '../../common/emf';
import type { Logger } from '../../common/logger';
import { counter, gauge, histogram } from '../../common/metrics';
import { documentIdOf } from './trusted-documents';
import { liveSubscriptionCount } from './live/service';

const service = 'gateway';

export const gatewayRequests = counter(
  'gateway_requests_total',
  'Requests to /graphql, each counted once when answered (refused and rate-limited ones included).',
  ['service', 'operation', 'status', 'cache_status'],
);
export const gatewayRequestDuration = histogram(
  'gateway_request_duration_seconds',
  "From a request's arrival to the end of its answer.",
  ['service', 'operation'],
);
export const gatewayRateLimited = counter(
  'gateway_rate_limited_total',
  'Requests answered 429 by the rate limits.',
  ['service'],
);
export const gatewayRejected = counter(
  'gateway_rejected_requests_total',
  'Requests the edge refused before execution, by code (a limit, trusted documents, input, rate limit).',
  ['service', 'code'],
);
export const subgraphFetchDuration = histogram(
  'gateway_subgraph_fetch_duration_seconds',
  'How long a fetch from a subgraph took, from sending to the parsed answer.',
  ['service', 'subgraph'],
);
export const subgraphFetchErrors = counter(
  'gateway_subgraph_fetch_errors_total',
  'Subgraph fetches that failed: `unavailable` (no answer, not GraphQL, timeout) or `errors` (an answer with GraphQL errors).',
  ['service', 'subgraph', 'reason'],
);

gauge(
  'gateway_live_subscriptions',
  'Live subscriptions open on this gateway.',
  ['service'],
  function collect() {
    this.set({ service }, liveSubscriptionCount());
  },
);

/** The operation's label: its name when it is a persisted operation's, else `anonymous`/`other`. */
export function operationLabel(name: string | undefined, known: ReadonlySet<string>): string {
  if (!name) return 'anonymous';
  return known.has(name) ? name : 'other';
}

/** The gateway's access log and request metrics, around each request. */
export function gatewayObserver(
  known: ReadonlySet<string>,
  accessLog: Logger | null,
): RequestObserver {
  return requestObserver({
    service,
    logger: accessLog,
    record: ({ scope, path, httpStatus, outcome, seconds, cacheStatus }) => {
      if (path !== '/graphql') return;
      const operation = operationLabel(scope.operation, known);
      gatewayRequests.inc({ service, operation, status: outcome, cache_status: cacheStatus });
      gatewayRequestDuration.observe({ service, operation }, seconds);
      recordDuration(operation, seconds);
      if (httpStatus === 429) gatewayRateLimited.inc({ service });
    },
  });
}

/** The parameters of a GraphQL request, from a POST body or a GET query string. */
function paramsOf(request: GraphQLHttpRequest): Record<string, unknown> {
  if (request.method === 'GET') {
    const search = new URLSearchParams(request.search);
    let extensions: unknown;
    try {
      extensions = JSON.parse(search.get('extensions') ?? 'null');
    } catch {
      extensions = null;
    }
    return {
      operationName: search.get('operationName') ?? undefined,
      query: search.get('query') ?? undefined,
      documentId: search.get('documentId') ?? undefined,
      extensions,
    };
  }
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

const FIRST_OPERATION =
  /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/** The operation's name as the request gives it: `operationName`, the id's, or the text's first. */
function operationNameOf(
  request: GraphQLHttpRequest,
  nameOfId: (id: string) => string | undefined,
): string | undefined {
  const params = paramsOf(request);
  if (typeof params.operationName === 'string' && params.operationName) return params.operationName;
  const id = documentIdOf(params);
  if (id) return nameOfId(id);
  return typeof params.query === 'string'
    ? FIRST_OPERATION.exec(params.query.slice(0, 1_000))?.[1]
    : undefined;
}

type Prepare<C> = (request: GraphQLHttpRequest, context: C) => Promise<GraphQLHttpRequest>;

/**
 * The edge's pipeline, noting the operation's name as the client gave it (for a request refused
 * before Apollo Server resolves the operation) and counting its refusals by code.
 */
export function measuredPrepare<C>(
  prepare: Prepare<C>,
  nameOfId: (id: string) => string | undefined,
): Prepare<C> {
  return async (request, context) => {
    noteOperation(operationNameOf(request, nameOfId));
    try {
      return await prepare(request, context);
    } catch (error) {
      if (error instanceof HttpError) gatewayRejected.inc({ service, code: error.code });
      throw error;
    }
  };
}
