/**
 * Subscriptions over HTTP multipart, Apollo's protocol (what Apollo Client, Apollo iOS and Apollo
 * Kotlin speak): a POST (or GET) to /graphql with `Accept: multipart/mixed;subscriptionSpec="1.0"`
 * holding a subscription is answered with `multipart/mixed;boundary="graphql";subscriptionSpec=1.0`
 * and one part per event, `{"payload":{"data":…}}`; a heartbeat part `{}` keeps the connection
 * alive; the stream ends with a part `{"payload":null,"errors":[…]}` when the gateway ends it
 * (UNAUTHENTICATED when the token expired, SLOW_CONSUMER), then the closing boundary. A
 * subscription refused before its first event is answered as JSON (`{"errors":[…]}`), as any
 * request; a refusal of the edge with its HTTP status.
 *
 * A request with that Accept header that is not a subscription goes on to Apollo Server, body
 * and all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { errors } from '../../../common/errors';
import { readBody, sendJson, type Route } from '../../../common/http';
import type { Authenticator } from '../auth';
import type { LiveResult } from './hub';
import type { LiveService, SubscribeParams } from './service';
import { tokenExpiry } from './websocket';

const BOUNDARY = 'graphql';
// Each part is followed at once by the boundary, so a client can read it without waiting for
// the next one: `\r\n--graphql` opens, each part ends with it, `--\r\n` closes.
const DELIMITER = `\r\n--${BOUNDARY}`;
const part = (json: string) =>
  `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${json}${DELIMITER}`;
const END = '--\r\n';
const MAX_BODY = 1_000_000;

/** Whether a request asks for Apollo's multipart subscriptions. */
export function wantsMultipartSubscription(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /multipart\/mixed/i.test(accept) && /subscriptionSpec/i.test(accept);
}

/** Hands a body already read on to the next reader of the request (Apollo Server's front). */
function giveBack(req: IncomingMessage, body: Buffer): void {
  Object.defineProperty(req, Symbol.asyncIterator, {
    value: async function* () {
      if (body.length > 0) yield body;
    },
    configurable: true,
  });
}

function paramsOf(req: IncomingMessage, body: Buffer): SubscribeParams | null {
  if (req.method === 'GET') {
    const search = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const json = (name: string): unknown => {
      const raw = search.get(name);
      return raw ? (JSON.parse(raw) as unknown) : undefined;
    };
    try {
      return {
        query: search.get('query') ?? undefined,
        operationName: search.get('operationName') ?? undefined,
        documentId: search.get('documentId') ?? undefined,
        variables: json('variables'),
        extensions: json('extensions'),
      };
    } catch {
      return null;
    }
  }
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as SubscribeParams)
      : null;
  } catch {
    return null;
  }
}

export interface MultipartTransport {
  route: Route;
  /** Streams open now. */
  streams(): number;
}

export function multipartRoute(
  live: LiveService,
  authenticator: Authenticator,
  path = '/graphql',
): MultipartTransport {
  const settings = live.settings;
  let open = 0;

  const stream = async (
    res: ServerResponse,
    opened: Exclude<Awaited<ReturnType<LiveService['open']>>, unknown[]>,
    final: { errors: GraphQLFormattedError[] | null },
    expiresAt: number | null,
  ) => {
    const { subscriber } = opened;
    res.writeHead(200, {
      'content-type': `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
      'cache-control': 'no-store',
    });
    res.write(`${DELIMITER}${part('{}')}`);
    const heartbeat = setInterval(() => res.write(part('{}')), settings.heartbeatSeconds * 1_000);
    const expiry =
      expiresAt === null
        ? null
        : setTimeout(
            () => {
              final.errors = [
                {
                  message: 'The access token expired; sign in again.',
                  extensions: { code: 'UNAUTHENTICATED' },
                },
              ];
              subscriber.end();
            },
            Math.max(0, Math.min(expiresAt - Date.now(), 2_147_000_000)),
          );
    res.once('close', () => subscriber.end());
    open++;
    try {
      for await (const result of subscriber as AsyncIterable<LiveResult>) {
        res.write(part(JSON.stringify({ payload: result })));
        if (res.writableLength > settings.bufferBytes) subscriber.end({ reason: 'overflow' });
      }
    } finally {
      open--;
      clearInterval(heartbeat);
      if (expiry) clearTimeout(expiry);
    }
    if (!res.writableEnded && !res.destroyed) {
      if (final.errors) res.write(part(JSON.stringify({ payload: null, errors: final.errors })));
      res.end(END);
    }
  };

  const route: Route = async (req, res) => {
    if ((req.url ?? '').split('?')[0] !== path || !wantsMultipartSubscription(req)) return false;
    if (req.method !== 'POST' && req.method !== 'GET') return false;
    const body = req.method === 'POST' ? await readBody(req, MAX_BODY) : Buffer.alloc(0);
    const params = paramsOf(req, body);
    if (!params || (await live.operationType(params)) !== 'subscription') {
      giveBack(req, body);
      return false;
    }
    const identity = await authenticator.authenticate(req);
    const final: { errors: GraphQLFormattedError[] | null } = { errors: null };
    const opened = await live.open(params, identity, (ending) => {
      if (ending.reason === 'overflow') {
        final.errors = [errors.slowConsumer('Events were not read as fast as they came.').toJSON()];
        // What is still unsent is not read either: the connection goes after a grace period.
        setTimeout(() => res.destroy(), 5_000).unref();
      }
    });
    if (Array.isArray(opened)) {
      sendJson(res, 200, { errors: opened.map((e) => e.toJSON()) });
      return true;
    }
    await stream(res, opened, final, tokenExpiry(identity));
    return true;
  };

  return { route, streams: () => open };
}
