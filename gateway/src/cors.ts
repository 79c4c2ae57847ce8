/**
 * CORS for browser clients on other origins. Allowed origins come from `CORS_ORIGINS`; an origin
 * listed without a port (`http://localhost`) is allowed on any port. A preflight is answered
 * with the methods and headers the clients send; requests from other origins get no CORS
 * headers (the browser then keeps the answer from the page).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../../common/http';

/** What the web, iOS and Android clients send besides the body. */
export const CORS_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-apollo-operation-name',
  'x-apollo-operation-id',
  // W3C trace context and the request id (README, Operating it).
  'traceparent',
  'tracestate',
  'x-request-id',
];

/** Response headers a page may read. */
const EXPOSED_HEADERS = ['retry-after', 'x-request-id'];

export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  // `http://localhost` allows `http://localhost:3000`.
  const withoutPort = origin.replace(/:\d+$/, '');
  return withoutPort !== origin && allowed.includes(withoutPort);
}

export function corsRoute(allowed: readonly string[], paths: readonly string[]): Route {
  return (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    const path = (req.url ?? '/').split('?')[0];
    if (!origin || !paths.includes(path)) return false;
    res.setHeader('vary', 'origin');
    const ok = originAllowed(origin, allowed);
    if (ok) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
    }
    if (req.method !== 'OPTIONS') return false;
    if (ok) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', CORS_REQUEST_HEADERS.join(', '));
      res.setHeader('access-control-max-age', '600');
    }
    res.writeHead(204, { 'content-length': 0 });
    res.end();
    return true;
  };
}
