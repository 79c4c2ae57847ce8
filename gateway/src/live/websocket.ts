/**
 * Subscriptions over WebSocket at the gateway's /graphql, with the graphql-ws protocol
 * (subprotocol `graphql-transport-ws`), served by the `graphql-ws` package on `ws`.
 *
 * The caller is verified once per connection, with the same checks as any request: the
 * `Authorization` value of the `connection_init` payload, else the upgrade request's
 * `Authorization` header. A token that does not verify closes the connection (4401); the
 * connection closes with 4401 when the token expires. Close codes of our own:
 * 4600 slow consumer (more events waiting than allowed), 4601 idle (no subscription for a while),
 * 1001 the gateway is shutting down (every subscription is completed first: reconnect).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { errors } from '../../../common/errors';
import { HttpError } from '../../../common/http';
import type { RequestIdentity } from '../../../common/identity';
import { clientAddress, type Authenticator } from '../auth';
import type { Subscriber } from './hub';
import { edgeRefusal, type LiveService } from './service';

export const CLOSE = {
  unauthorized: 4401,
  slowConsumer: 4600,
  idle: 4601,
  goingAway: 1001,
} as const;

interface Connection {
  socket: WebSocket;
  identity: RequestIdentity;
  subscriptions: number;
  idle: NodeJS.Timeout | null;
  expiry: NodeJS.Timeout | null;
}

/** The `exp` of a verified access token, in ms since the epoch (null: none). */
export function tokenExpiry(identity: RequestIdentity): number | null {
  if (identity.viewer.kind !== 'user' || !identity.viewer.accessToken) return null;
  try {
    const payload = identity.viewer.accessToken.split('.')[1] ?? '';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** The `Authorization` value of a `connection_init` payload, if it carries one. */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  const headers =
    typeof params.headers === 'object' && params.headers !== null
      ? (params.headers as Record<string, unknown>)
      : {};
  for (const value of [
    params.Authorization,
    params.authorization,
    headers.Authorization,
    headers.authorization,
  ])
    if (typeof value === 'string') return value;
  return undefined;
}

function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Service Unavailable'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

type Extra = { socket: WebSocket; request: IncomingMessage };

/**
 * One WebSocket handed to graphql-ws (what its `use/ws` binding does, which this project's
 * module resolution cannot import): a ping every `heartbeatMs` (terminated without a pong),
 * sends that never wait for the client, and a connection cut off (4600) once more than
 * `maxBufferedBytes` wait unsent: memory stays bounded whatever a slow client does.
 */
function bind(
  graphqlWs: ReturnType<typeof makeServer<Record<string, unknown>, Extra>>,
  socket: WebSocket,
  request: IncomingMessage,
  heartbeatMs: number,
  maxBufferedBytes: number,
): void {
  let pong: NodeJS.Timeout | null = null;
  const ping = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    pong = setTimeout(() => socket.terminate(), heartbeatMs);
    socket.once('pong', () => {
      if (pong) clearTimeout(pong);
      pong = null;
    });
    socket.ping();
  }, heartbeatMs);
  let ended = false;
  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    clearInterval(ping);
    if (pong) clearTimeout(pong);
    void closed(code, reason);
  };
  const closed = graphqlWs.opened(
    {
      protocol: socket.protocol,
      send: (data) => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(data);
        if (socket.bufferedAmount <= maxBufferedBytes) return;
        // Its subscriptions end now; the close frame waits behind what the client has not read.
        socket.close(CLOSE.slowConsumer, 'Slow consumer: events were not read');
        end(CLOSE.slowConsumer, 'Slow consumer');
      },
      close: (code, reason) => socket.close(code, reason),
      onMessage: (cb) =>
        socket.on('message', (data: Buffer) => {
          cb(data.toString('utf8')).catch(() => socket.close(4500, 'Internal server error'));
        }),
    },
    { socket, request },
  );
  socket.once('error', () => socket.terminate());
  socket.once('close', (code: number, reason: Buffer) => end(code, reason.toString('utf8')));
}

export interface WebSocketTransport {
  /** Completes every subscription, then closes every connection (1001). */
  close(): Promise<void>;
  connections(): number;
}

export function serveWebSocket(
  server: Server,
  live: LiveService,
  authenticator: Authenticator,
  trustedProxyHops: number,
  path = '/graphql',
): WebSocketTransport {
  const settings = live.settings;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 256 * 1024,
    handleProtocols: (protocols) =>
      protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false,
  });
  const upgraded = new WeakMap<IncomingMessage, RequestIdentity>();
  const connections = new Map<WebSocket, Connection>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== path) {
      socket.destroy();
      return;
    }
    if (live.closing) {
      refuseUpgrade(socket, 503, 'BAD_REQUEST', 'The gateway is shutting down; reconnect.');
      return;
    }
    authenticator.authenticate(req).then(
      (identity) => {
        upgraded.set(req, identity);
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      },
      (error: unknown) => {
        const known = error instanceof HttpError;
        refuseUpgrade(
          socket,
          known ? error.status : 401,
          'UNAUTHENTICATED',
          known ? error.message : 'The access token is not valid.',
        );
      },
    );
  };
  server.on('upgrade', onUpgrade);

  const idleCheck = (connection: Connection) => {
    if (connection.idle) clearTimeout(connection.idle);
    connection.idle =
      connection.subscriptions === 0
        ? setTimeout(
            () => connection.socket.close(CLOSE.idle, 'Idle: no subscription'),
            settings.idleTimeoutSeconds * 1_000,
          )
        : null;
  };

  const options: ServerOptions<Record<string, unknown>, Extra> = {
    onConnect: async (ctx) => {
      const { socket, request } = ctx.extra;
      const header = authorizationOf(ctx.connectionParams);
      let identity = upgraded.get(request) ?? null;
      if (header !== undefined) {
        identity = await authenticator
          .authenticateHeader(header, clientAddress(request, trustedProxyHops))
          .catch(() => null);
      }
      if (!identity) {
        socket.close(CLOSE.unauthorized, 'Unauthorized: the access token is not valid');
        return false;
      }
      const connection: Connection = {
        socket,
        identity,
        subscriptions: 0,
        idle: null,
        expiry: null,
      };
      const expiresAt = tokenExpiry(identity);
      if (expiresAt !== null)
        connection.expiry = setTimeout(
          () => socket.close(CLOSE.unauthorized, 'Unauthorized: the access token expired'),
          Math.max(0, Math.min(expiresAt - Date.now(), 2_147_000_000)),
        );
      connections.set(socket, connection);
      idleCheck(connection);
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      const connection = connections.get(ctx.extra.socket);
      if (!connection) return [errors.unauthenticated()];
      if (connection.subscriptions >= settings.maxPerConnection)
        return [
          errors.subscriptionLimit(
            `A connection may hold ${settings.maxPerConnection} subscriptions at once.`,
          ),
        ];
      connection.subscriptions++;
      idleCheck(connection);
      let ended = false;
      const release = () => {
        if (ended) return;
        ended = true;
        connection.subscriptions--;
        idleCheck(connection);
      };
      const opened = await live
        .open(payload, connection.identity, (ending) => {
          release();
          if (ending.reason === 'overflow')
            connection.socket.close(CLOSE.slowConsumer, 'Slow consumer: events were not read');
        })
        .catch(edgeRefusal);
      if (Array.isArray(opened)) {
        release();
        return opened;
      }
      const schema = live.apiSchema;
      if (!schema) {
        opened.subscriber.end();
        return [errors.badRequest('The gateway is starting; try again.')];
      }
      const args: ExecutionArgs = {
        schema,
        document: opened.document,
        operationName: opened.operation.name?.value,
        variableValues: opened.variables,
        contextValue: { subscriber: opened.subscriber },
      };
      return args;
    },
    subscribe: (args) => (args.contextValue as { subscriber: Subscriber }).subscriber,
    // Results are already formatted (masked) by the gateway: sent as they are.
    onNext: (_ctx, _id, _payload, _args, result) => result,
    // A registered document may be sent by its id alone; the protocol wants `query`, so a
    // subscribe message without one gets an empty one (the id then names the document).
    jsonMessageReviver(key, value: unknown) {
      if (key !== '' || typeof value !== 'object' || value === null) return value;
      const message = value as { type?: unknown; payload?: Record<string, unknown> };
      if (message.type === 'subscribe' && message.payload && message.payload.query === undefined)
        message.payload.query = '';
      return value;
    },
    onClose: (ctx) => {
      const connection = connections.get(ctx.extra.socket);
      if (!connection) return;
      if (connection.idle) clearTimeout(connection.idle);
      if (connection.expiry) clearTimeout(connection.expiry);
      connections.delete(ctx.extra.socket);
    },
  };
  const graphqlWs = makeServer(options);
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) =>
    bind(graphqlWs, socket, request, settings.heartbeatSeconds * 1_000, settings.bufferBytes),
  );

  return {
    connections: () => connections.size,
    async close() {
      server.off('upgrade', onUpgrade);
      // The subscriptions have been ended: let their `complete` messages go out first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = [...wss.clients].map(
        (ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())),
      );
      const timer = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, 2_000);
      for (const ws of wss.clients) ws.close(CLOSE.goingAway, 'Going away: reconnect');
      await Promise.all(closed);
      clearTimeout(timer);
      await new Promise((resolve) => wss.close(() => resolve(undefined)));
    },
  };
}
