/**
 * Clients of the gateway's live updates, speaking each protocol on the wire: graphql-ws over a
 * WebSocket (`graphql-transport-ws`) and Apollo's multipart HTTP subscriptions.
 */
import { randomBytes } from 'node:crypto';
import { print, type DocumentNode, type FormattedExecutionResult } from 'graphql';
import WebSocket from 'ws';
import { AdminProductCreateDocument } from '../../schema/generated/operations';
import { execute, type Stack } from './stack';

export type Transport = 'websocket' | 'multipart';

export interface LiveClient {
  /** Events received, in order. */
  events: FormattedExecutionResult<Record<string, unknown>>[];
  /** Errors that refused or ended the subscription (`error` message, JSON answer, final part). */
  errors: { message: string; extensions?: Record<string, unknown> }[];
  /** How it ended: completed by the server, or the connection closed (with its code). */
  ended: Promise<{ completed: boolean; code: number | null }>;
  /** The n-th event (1-based), once it has come. */
  event(n: number, patienceMs?: number): Promise<FormattedExecutionResult<Record<string, unknown>>>;
  /** Resolves once `predicate` holds, or the subscription has ended. */
  until(predicate: () => boolean): Promise<void>;
  /** The WebSocket, to pause it (a slow consumer); null for multipart. */
  socket: WebSocket | null;
  close(): void;
}

export interface SubscribeOptions {
  token?: string;
  /** Send the token as the upgrade request's header instead of in `connection_init`. */
  tokenInHeader?: boolean;
  variables?: Record<string, unknown>;
  /** The document as text (for one that is not generated). */
  query?: string;
  /** Send only the registered document's id. */
  documentId?: string;
}

function collector() {
  const events: LiveClient['events'] = [];
  const errors: LiveClient['errors'] = [];
  const waiters: (() => void)[] = [];
  let finished = false;
  let finish: (value: { completed: boolean; code: number | null }) => void = () => undefined;
  const ended = new Promise<{ completed: boolean; code: number | null }>((resolve) => {
    finish = (value) => {
      finished = true;
      resolve(value);
      for (const w of waiters.splice(0)) w();
    };
  });
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  /** Waits for the n-th event; says what did come if it does not within `patienceMs`. */
  const event = async (n: number, patienceMs = 20_000) => {
    const deadline = Date.now() + patienceMs;
    while (events.length < n) {
      if (finished || Date.now() > deadline)
        throw new Error(
          `event ${n} did not come: ${JSON.stringify({ finished, events, errors }).slice(0, 4_000)}`,
        );
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1_000);
      });
    }
    return events[n - 1];
  };
  const until = async (predicate: () => boolean) => {
    while (!predicate() && !finished) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { events, errors, ended, finish, wake, event, until };
}

export function wsUrl(gatewayUrl: string): string {
  return gatewayUrl.replace(/^http/, 'ws');
}

export function subscribeWs(
  gatewayUrl: string,
  document: DocumentNode,
  options: SubscribeOptions = {},
): LiveClient {
  const c = collector();
  const headers: Record<string, string> =
    options.token && options.tokenInHeader ? { authorization: `Bearer ${options.token}` } : {};
  const socket = new WebSocket(wsUrl(gatewayUrl), 'graphql-transport-ws', { headers });
  let completed = false;
  socket.on('open', () => {
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload:
          options.token && !options.tokenInHeader
            ? { Authorization: `Bearer ${options.token}` }
            : {},
      }),
    );
  });
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as {
      type: string;
      payload?: unknown;
    };
    if (message.type === 'connection_ack') {
      const payload = options.documentId
        ? { documentId: options.documentId, variables: options.variables }
        : { query: options.query ?? print(document), variables: options.variables };
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
    } else if (message.type === 'next') {
      c.events.push(message.payload as LiveClient['events'][number]);
      c.wake();
    } else if (message.type === 'error') {
      c.errors.push(...(message.payload as LiveClient['errors']));
      completed = true;
      c.wake();
    } else if (message.type === 'complete') {
      completed = true;
      c.wake();
    } else if (message.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong' }));
    }
  });
  socket.on('error', () => undefined);
  socket.on('unexpected-response', (_req, res) => {
    c.errors.push({ message: `HTTP ${res.statusCode}`, extensions: { status: res.statusCode } });
    c.finish({ completed: false, code: null });
  });
  socket.on('close', (code: number) => c.finish({ completed, code }));
  return { ...c, socket, close: () => socket.close(1000) };
}

const BOUNDARY = '\r\n--graphql';

export function subscribeMultipart(
  gatewayUrl: string,
  document: DocumentNode,
  options: SubscribeOptions = {},
): LiveClient {
  const c = collector();
  const abort = new AbortController();
  void (async () => {
    let completed = false;
    try {
      const response = await fetch(gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: JSON.stringify(
          options.documentId
            ? { documentId: options.documentId, variables: options.variables }
            : { query: options.query ?? print(document), variables: options.variables },
        ),
        signal: abort.signal,
      });
      const type = response.headers.get('content-type') ?? '';
      if (!type.startsWith('multipart/mixed')) {
        const body = (await response.json()) as { errors?: LiveClient['errors'] };
        c.errors.push(...(body.errors ?? []));
        c.finish({ completed: false, code: response.status });
        return;
      }
      const reader = response.body?.getReader();
      if (!reader) throw new Error('no body');
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let at = buffer.indexOf(BOUNDARY); at >= 0; at = buffer.indexOf(BOUNDARY)) {
          const part = buffer.slice(0, at);
          buffer = buffer.slice(at + BOUNDARY.length);
          const body = part.slice(part.indexOf('\r\n\r\n') + 4).trim();
          if (part.indexOf('\r\n\r\n') < 0 || body === '' || body === '{}') continue;
          const parsed = JSON.parse(body) as {
            payload: LiveClient['events'][number] | null;
            errors?: LiveClient['errors'];
          };
          if (parsed.payload) c.events.push(parsed.payload);
          if (parsed.errors) c.errors.push(...parsed.errors);
          c.wake();
        }
        if (buffer.startsWith('--')) completed = true;
      }
      c.finish({ completed, code: null });
    } catch {
      c.finish({ completed, code: null });
    }
  })();
  return { ...c, socket: null, close: () => abort.abort() };
}

export function subscribe(
  transport: Transport,
  gatewayUrl: string,
  document: DocumentNode,
  options: SubscribeOptions = {},
): LiveClient {
  return transport === 'websocket'
    ? subscribeWs(gatewayUrl, document, options)
    : subscribeMultipart(gatewayUrl, document, options);
}

/** A product of its own with one variant of `quantity` in stock, made by an admin through the gateway. */
export async function createWatchedProduct(
  stack: Stack,
  adminToken: string,
  quantity: number,
  description = 'A lamp you can watch.',
): Promise<{ productId: string; variantId: string; slug: string; sku: string }> {
  const sku = `LIVE-${randomBytes(4).toString('hex')}`;
  const reply = await execute(
    stack.gatewayUrl,
    AdminProductCreateDocument,
    {
      input: {
        title: `Live Lamp ${sku}`,
        description,
        categorySlug: 'headphones',
        variants: [{ sku, title: 'Default', price: '10.00', quantity }],
      },
    },
    { authorization: `Bearer ${adminToken}` },
  );
  const product = reply.data?.productCreate.product;
  if (!product) throw new Error(`no product: ${JSON.stringify(reply)}`);
  return { productId: product.id, variantId: product.variants[0].id, slug: product.slug, sku };
}
