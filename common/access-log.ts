/**
 * One access log line and the request metrics per request, at the gateway and at each subgraph.
 * The HTTP front (common/http.ts) runs each request inside `observer(req, res, handle)`: the
 * request gets its scope (request id, trace), `x-request-id` goes back on the answer, and when
 * the answer is finished one line is logged with the operation, HTTP status, outcome, duration,
 * cache status, client name and version, and error codes. Never a header's value other than
 * those, never a variable, a token, a password or an email address.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Logger } from './logger';
import {
  currentScope,
  REQUEST_ID_HEADER,
  runInScope,
  scopeFor,
  type RequestScope,
} from './request-scope';

/** How a request ended, as the metrics and alarms count it (deploy/README.md). */
export type Outcome = 'ok' | 'client_error' | 'server_error';

/** Codes that are the store's fault; every other code is the request's. */
const SERVER_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SUBGRAPH_UNAVAILABLE']);

export interface RequestSummary {
  scope: RequestScope;
  method: string;
  path: string;
  /** The HTTP status answered. */
  httpStatus: number;
  outcome: Outcome;
  seconds: number;
  /** `hit`, `miss`, `stale`, `bypass`, `other` from the response's Cache-Status; `none` without. */
  cacheStatus: string;
}

export function outcomeOf(httpStatus: number, codes: readonly string[]): Outcome {
  if (httpStatus >= 500) return 'server_error';
  if (httpStatus >= 400) return 'client_error';
  if (codes.length === 0) return 'ok';
  return codes.some((c) => SERVER_CODES.has(c)) ? 'server_error' : 'client_error';
}

/** The response cache's verdict from an RFC 9211 `Cache-Status` header, as one of a few words. */
export function cacheStatusOf(header: number | string | string[] | undefined): string {
  if (header === undefined) return 'none';
  const value = (Array.isArray(header) ? header.join(', ') : String(header)).toLowerCase();
  if (/(^|;)\s*hit\b/.test(value)) return 'hit';
  if (/fwd=stale/.test(value)) return 'stale';
  if (/fwd=(bypass|method|request)/.test(value)) return 'bypass';
  if (/fwd=/.test(value)) return 'miss';
  return 'other';
}

/** A client-chosen header value as it may be logged: short, plain, never an email address. */
export function loggable(value: string | string[] | undefined, max = 64): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  return raw.replace(/[^A-Za-z0-9._/ +:-]/g, '').slice(0, max) || undefined;
}

/** Paths that are not logged or counted: the probes, which the orchestrator calls every few seconds. */
const QUIET = new Set(['/healthz', '/readyz']);

export interface ObserverOptions {
  service: string;
  /** Where the access log goes; null for none (ACCESS_LOG=false). */
  logger: Logger | null;
  /** Records the request's metrics. */
  record?: (summary: RequestSummary) => void;
}

export type RequestObserver = (
  req: IncomingMessage,
  res: ServerResponse,
  handle: () => unknown,
) => void;

export function requestObserver(options: ObserverOptions): RequestObserver {
  const { service, logger, record } = options;
  return (req, res, handle) => {
    const path = (req.url ?? '/').split('?')[0];
    const scope = scopeFor(service, req.headers);
    res.setHeader(REQUEST_ID_HEADER, scope.requestId);
    if (QUIET.has(path)) {
      runInScope(scope, handle);
      return;
    }
    const start = performance.now();
    res.once('close', () => {
      const seconds = (performance.now() - start) / 1000;
      // A connection the client dropped before the answer ended counts as the answer it got.
      const httpStatus = res.writableFinished ? res.statusCode : 499;
      const summary: RequestSummary = {
        scope,
        method: req.method ?? 'GET',
        path,
        httpStatus,
        outcome: outcomeOf(httpStatus, scope.errorCodes),
        seconds,
        cacheStatus: cacheStatusOf(res.getHeader('cache-status')),
      };
      record?.(summary);
      if (logger) runInScope(scope, () => logger.info('request', accessFields(summary, req)));
    });
    runInScope(scope, handle);
  };
}

function accessFields(summary: RequestSummary, req: IncomingMessage): Record<string, unknown> {
  const { scope } = summary;
  const codes = [...new Set(scope.errorCodes)].slice(0, 5);
  return {
    method: summary.method,
    path: summary.path,
    operation: scope.operation ? loggable(scope.operation, 100) : undefined,
    status: summary.httpStatus,
    outcome: summary.outcome,
    durationMs: Math.round(summary.seconds * 1e6) / 1e3,
    cache: summary.cacheStatus,
    clientName: loggable(req.headers['apollographql-client-name']),
    clientVersion: loggable(req.headers['apollographql-client-version']),
    ...(codes.length > 0 ? { errors: codes } : {}),
  };
}

/** Notes an error code answered for the request being handled (an HttpError's). */
export function noteErrorCode(code: string): void {
  currentScope()?.errorCodes.push(code);
}

/** Notes the operation's name for the request being handled, unless known already. */
export function noteOperation(name: string | null | undefined): void {
  const scope = currentScope();
  if (scope && name && !scope.operation) scope.operation = name;
}

/**
 * The Apollo Server plugin that tells the access log the operation's name and the codes of the
 * errors in the answer.
 */
export function accessLogPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, operation }) {
          const scope = currentScope();
          if (scope) scope.operation = operationName ?? operation?.name?.value ?? scope.operation;
        },
        async willSendResponse({ response }) {
          const scope = currentScope();
          if (!scope || response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            const code = error.extensions?.code;
            scope.errorCodes.push(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR');
          }
        },
      };
    },
  };
}
