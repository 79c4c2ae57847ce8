/**
 * `/webhooks/*` on the public port: forwarded as they are to the order service, which owns the
 * webhooks (subgraphs/order/src/webhook.server.ts) and checks their signatures. The gateway adds
 * nothing and trusts nothing: only the body (up to 64 KB), the content type and the webhook's
 * signature headers go through, and the order service's answer comes back unchanged.
 */
import { readRawBody, sendJson, type Route } from '../../common/http';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../common/webhook-signature';

const MAX_BODY_BYTES = 64 * 1024;

/** Forwards to the order service at `orderGraphqlUrl`'s origin (its `/graphql` URL). */
export function webhookForwardRoute(orderGraphqlUrl: string, timeoutMs = 10_000): Route {
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith('/webhooks/')) return false;
    if (req.method !== 'POST') {
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'There is no webhook here.' } });
      return true;
    }
    const body = await readRawBody(req, MAX_BODY_BYTES);
    if (!body) {
      sendJson(res, 413, {
        error: { code: 'WEBHOOK_PAYLOAD_INVALID', message: 'The body is larger than 64 KB.' },
      });
      return true;
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', SIGNATURE_HEADER, TIMESTAMP_HEADER]) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const response = await fetch(new URL(path, orderGraphqlUrl), {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, {
        'content-type': response.headers.get('content-type') ?? 'application/json',
        'content-length': text.length,
        'cache-control': 'no-store',
      });
      res.end(text);
    } catch {
      sendJson(res, 502, {
        error: {
          code: 'SUBGRAPH_UNAVAILABLE',
          message: 'The order service did not answer; send the delivery again.',
        },
      });
    }
    return true;
  };
}
