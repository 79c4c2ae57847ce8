/**
 * What one request carries through every await of its handling (AsyncLocalStorage): the service
 * answering it, its request id and its W3C trace context. The access log, the metrics and every
 * log line read it; nothing in it is a secret or a user's data.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';

export interface RequestScope {
  /** The service answering (`gateway`, `product`, …). */
  readonly service: string;
  /** Returned in `x-request-id`, sent on to the subgraphs, in every log line of the request. */
  readonly requestId: string;
  /** The W3C trace id (32 hex digits): the client's `traceparent`, or a new one. */
  readonly traceId: string;
  /** This service's span of the request (16 hex digits). */
  readonly spanId: string;
  /** The `traceparent` flags (`01`: sampled). */
  readonly traceFlags: string;
  /** The GraphQL operation's name, once known. */
  operation?: string;
  /** The codes of the errors answered (an HttpError's, or the GraphQL errors'). */
  errorCodes: string[];
}

const storage = new AsyncLocalStorage<RequestScope>();

export const currentScope = (): RequestScope | undefined => storage.getStore();

export function runInScope<T>(scope: RequestScope, work: () => T): T {
  return storage.run(scope, work);
}

export const REQUEST_ID_HEADER = 'x-request-id';
export const TRACEPARENT_HEADER = 'traceparent';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = '0'.repeat(32);
const INVALID_SPAN = '0'.repeat(16);
/** A sane incoming request id: short, and only characters that cannot break a log or a header. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export interface TraceContext {
  traceId: string;
  /** The caller's span (the parent of ours), when there is one. */
  parentSpanId: string | null;
  traceFlags: string;
}

/** A W3C `traceparent` header's trace, or null when it is missing or malformed. */
export function parseTraceparent(header: string | string[] | undefined): TraceContext | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  if (!match || match[1] === INVALID_TRACE || match[2] === INVALID_SPAN) return null;
  return { traceId: match[1], parentSpanId: match[2], traceFlags: match[3] };
}

export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

export function acceptRequestId(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : null;
}

/**
 * The scope of a request arriving with these headers. With OpenTelemetry on, its server span
 * (which already continued the client's `traceparent`) gives the ids; otherwise the client's
 * trace is continued here, or a new one started.
 */
export function scopeFor(
  service: string,
  headers: Record<string, string | string[] | undefined>,
): RequestScope {
  const requestId = acceptRequestId(headers[REQUEST_ID_HEADER]) ?? randomBytes(12).toString('hex');
  const span = trace.getActiveSpan()?.spanContext();
  if (span && span.traceId !== INVALID_TRACE) {
    return {
      service,
      requestId,
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: span.traceFlags.toString(16).padStart(2, '0'),
      errorCodes: [],
    };
  }
  const incoming = parseTraceparent(headers[TRACEPARENT_HEADER]);
  return {
    service,
    requestId,
    traceId: incoming?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    traceFlags: incoming?.traceFlags ?? '01',
    errorCodes: [],
  };
}

/**
 * The headers a call to another service of the store made during this request sends with it:
 * the trace (a child of this service's span) and the request id. With OpenTelemetry on, its
 * instrumentation of the outgoing call replaces `traceparent` with its client span's.
 */
export function propagationHeaders(): Record<string, string> {
  const scope = storage.getStore();
  if (!scope) return {};
  return {
    [TRACEPARENT_HEADER]: `00-${scope.traceId}-${scope.spanId}-${scope.traceFlags}`,
    [REQUEST_ID_HEADER]: scope.requestId,
  };
}

/** The trace id of what runs now: the active span's, or the request's; undefined outside both. */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && span.traceId !== INVALID_TRACE) return span.traceId;
  return storage.getStore()?.traceId;
}
