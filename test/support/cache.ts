/** For the response cache's tests: requests by document id, and what reached the subgraphs. */
import { randomBytes } from 'node:crypto';
import type { StoreEvent } from '../../common/store-events';
import { AdminProductCreateDocument } from '../../schema/generated/operations';
import { registered } from './edge';
import { execute, type Stack } from './stack';
import type { TestUser } from './tokens';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
}

/** A registered operation by id over GET (the way a CDN sees it). */
export async function getById(
  url: string,
  name: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const params = new URLSearchParams({
    documentId: `sha256:${registered(name).id}`,
    variables: JSON.stringify(variables),
  });
  const response = await fetch(`${url}?${params.toString()}`, {
    headers: { 'apollo-require-preflight': 'true', ...headers },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as Reply['json']) : null,
  };
}

/** The same by POST. */
export async function postById(
  url: string,
  name: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ documentId: `sha256:${registered(name).id}`, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

/** Counts the requests every subgraph of the stack receives. */
export function subgraphRequests(
  stack: Stack,
  subgraphs: readonly ('product' | 'order' | 'user' | 'cart' | 'search')[] = [
    'product',
    'order',
    'user',
    'cart',
    'search',
  ],
): { count(): number; stop(): void } {
  let count = 0;
  const servers = subgraphs.map((name) => stack[name].server);
  const listener = () => count++;
  for (const server of servers) server.on('request', listener);
  return {
    count: () => count,
    stop: () => servers.forEach((server) => server.off('request', listener)),
  };
}

/** Polls `read` until `done` holds for what it returned, for at most `boundMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  boundMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.accessToken}` });

/** A product of its own in the stack's catalog (which needs `privateCatalog`). */
export async function createProduct(
  stack: Stack,
  admin: TestUser,
  options: { quantity?: number; categorySlug?: string; title?: string } = {},
) {
  const sku = `CA-${randomBytes(4).toString('hex')}`;
  const seen: StoreEvent[] = [];
  const stop = stack.gateway.events.subscribe((event) => seen.push(event));
  const reply = await execute(
    stack.gatewayUrl,
    AdminProductCreateDocument,
    {
      input: {
        title: options.title ?? `Cached Lamp ${sku}`,
        description: 'A lamp that remembers.',
        categorySlug: options.categorySlug ?? 'headphones',
        variants: [{ sku, title: 'Default', price: '10.00', quantity: options.quantity ?? 5 }],
      },
    },
    bearer(admin),
  );
  const product = reply.data?.productCreate.product;
  if (!product) throw new Error(`no product: ${JSON.stringify(reply)}`);
  // Its creation's events purge what holds it: wait for them, so that they purge nothing later.
  try {
    await eventually(
      async () => seen,
      (events) =>
        ['product.changed', 'stock.changed'].every((type) =>
          events.some(
            (e) =>
              e.type === type &&
              (e.type === 'product.changed'
                ? e.productId === product.id
                : e.type === 'stock.changed' && e.productIds.includes(product.id)),
          ),
        ),
    );
  } finally {
    stop();
  }
  return { id: product.id, slug: product.slug, variantId: product.variants[0].id };
}
