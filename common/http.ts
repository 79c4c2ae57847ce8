/**
 * A small HTTP front for Apollo Server on node:http: the GraphQL endpoint, health and readiness
 * probes, and any extra routes (the gateway's playground). No framework: fewer layers per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { noteErrorCode, type RequestObserver } from './access-log';
import {
  HeaderMap,
  type ApolloServer,
  type BaseContext,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import type { ErrorCode } from './errors';

/** Handles a request and returns true, or returns false to let the next route try. */
export type Route = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface Check {
  name: string;
  /** Resolves true when the dependency answers. */
  probe: () => Promise<boolean>;
}

/** A GraphQL request as the HTTP front hands it to Apollo Server. */
export interface GraphQLHttpRequest {
  method: string;
  headers: HeaderMap;
  /** The query string, with its `?` (empty when there is none). */
  search: string;
  /** The parsed JSON body of a POST (anything for another method). */
  body: unknown;
}

export interface HttpServerOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  context: (req: IncomingMessage) => Promise<TContext>;
  /**
   * Runs after the context is built and before Apollo Server sees the request: it may rewrite
   * the request or refuse it by throwing an HttpError.
   */
  prepare?: (
    request: GraphQLHttpRequest,
    context: TContext,
    req: IncomingMessage,
  ) => Promise<GraphQLHttpRequest> | GraphQLHttpRequest;
  /**
   * Answers a request around `run` (the `prepare` step, then Apollo Server): a response cache
   * answers from its store without running it, or runs it and keeps the answer.
   */
  around?: (
    request: GraphQLHttpRequest,
    context: TContext,
    req: IncomingMessage,
    res: ServerResponse,
    run: (request: GraphQLHttpRequest) => Promise<HTTPGraphQLResponse>,
  ) => Promise<HTTPGraphQLResponse>;
  /** Encodes a complete response body (compression); returns the body to send. */
  encode?: (req: IncomingMessage, res: ServerResponse, body: string) => Promise<string | Buffer>;
  /** Requests with more headers than this are answered 431. */
  maxHeaders?: number;
  port: number;
  host?: string;
  graphqlPath?: string;
  /** Dependencies that must answer for `/readyz` to say ready. */
  checks?: Check[];
  routes?: Route[];
  maxBodyBytes?: number;
  /** Runs around each request: its scope, access log line and metrics (common/access-log.ts). */
  observe?: RequestObserver;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * Thrown by a context builder to answer the request before GraphQL runs, for example 401 for a
 * bad token. The body is a GraphQL error response with the given code.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Sent with the answer (for example `retry-after` with a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A request's body, or null as soon as it grows past `limit` bytes. */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A request's body; 413 past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const body = await readRawBody(req, limit);
  if (!body) throw new HttpError(413, 'BAD_REQUEST', `Request body is larger than ${limit} bytes`);
  return body;
}

async function withTimeout(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([probe().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel: `{ ready, checks: { name: 'ok' | 'unavailable' } }`. */
export async function runChecks(checks: readonly Check[], timeoutMs = 2_000) {
  const results = await Promise.all(checks.map((c) => withTimeout(c.probe, timeoutMs)));
  const report: Record<string, 'ok' | 'unavailable'> = {};
  checks.forEach((c, i) => (report[c.name] = results[i] ? 'ok' : 'unavailable'));
  const unavailable = checks.filter((_, i) => !results[i]).map((c) => c.name);
  return { ready: unavailable.length === 0, unavailable, checks: report };
}

export function healthRoutes(checks: readonly Check[]): Route {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const result = await runChecks(checks);
      sendJson(res, result.ready ? 200 : 503, {
        status: result.ready ? 'ready' : 'unavailable',
        ...(result.ready ? {} : { unavailable: result.unavailable }),
        checks: result.checks,
      });
      return true;
    }
    return false;
  };
}

export async function startHttpServer<TContext extends BaseContext>(
  options: HttpServerOptions<TContext>,
): Promise<RunningServer> {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  const maxBody = options.maxBodyBytes ?? 1_000_000;
  const routes: Route[] = [healthRoutes(options.checks ?? []), ...(options.routes ?? [])];

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const raw = req.method === 'POST' ? (await readBody(req, maxBody)).toString('utf8') : '';
    let body: unknown = raw;
    if (req.method === 'POST' && (headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        sendJson(res, 400, {
          errors: [{ message: 'The body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
        });
        return;
      }
    }
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    // Built before GraphQL runs, so a refused caller gets its HTTP status, not a 200 with errors.
    const context = await options.context(req);
    const httpGraphQLRequest: GraphQLHttpRequest = {
      method: req.method ?? 'GET',
      headers,
      search: query >= 0 ? url.slice(query) : '',
      body,
    };
    const run = async (request: GraphQLHttpRequest) =>
      options.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: options.prepare
          ? await options.prepare(request, context, req)
          : request,
        context: async () => context,
      });
    const result = options.around
      ? await options.around(httpGraphQLRequest, context, req, res, run)
      : await run(httpGraphQLRequest);
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(
        options.encode ? await options.encode(req, res, result.body.string) : result.body.string,
      );
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const maxHeaders = options.maxHeaders;
  const observe = options.observe;
  // While closing, every answer ends its connection: Node's server.close() waits for kept-alive
  // connections, and a client that keeps sending on one (a poller) would hold it open forever.
  let closing = false;
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    res.setHeader('x-content-type-options', 'nosniff');
    if (closing) res.setHeader('connection', 'close');
    const handle = async () => {
      if (maxHeaders !== undefined && req.rawHeaders.length / 2 > maxHeaders)
        throw new HttpError(
          431,
          'BAD_REQUEST',
          `A request may carry at most ${maxHeaders} headers.`,
        );
      for (const route of routes) if (await route(req, res)) return;
      const path = (req.url ?? '/').split('?')[0];
      if (path === graphqlPath) return handleGraphQL(req, res);
      sendJson(res, 404, { error: 'not found' });
    };
    const run = () =>
      handle().catch((error: unknown) => {
        const known = error instanceof HttpError;
        const status = known ? error.status : 500;
        const message = known ? error.message : 'Internal server error';
        const code = known ? error.code : 'INTERNAL_SERVER_ERROR';
        noteErrorCode(code);
        if (!res.headersSent) {
          const headers = known ? error.headers : {};
          sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
        } else {
          res.destroy();
        }
      });
    if (observe) observe(req, res, run);
    else void run();
  });
  // Longer than a load balancer's idle timeout, so it never reuses a connection we just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Node stops reading headers past this count; one more than allowed, so the excess is seen.
  if (maxHeaders !== undefined) server.maxHeadersCount = maxHeaders + 1;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://localhost:${port}${graphqlPath}`,
    close: async () => {
      closing = true;
      await new Promise<void>((resolve) => {
        // Once no request is in flight, what still holds the server open carries nothing
        // (a kept-alive connection, a socket that never sent a request, an upgraded socket
        // finishing its close): drop it rather than wait for its timeout.
        const sweep = setInterval(() => {
          if (inFlight === 0) server.closeAllConnections();
        }, 50);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      await options.apollo.stop();
    },
  };
}
