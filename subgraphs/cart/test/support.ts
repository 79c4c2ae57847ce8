/**
 * Test support for the cart subgraph: serves it over a cart table of its own, against real
 * product and order subgraphs (or the ones given), and calls it the way the gateway would, with
 * a signed identity. Used by test/cart*.test.ts.
 */
import { ensureCartTable } from '../src/cart.table';
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RunningServer } from '../../../common/http';
import { signIdentity, serviceIdentity, type Viewer } from '../../../common/identity';
import { createLogger } from '../../../common/logger';
import { serveSubgraph } from '../../../common/subgraph';
import { subgraphCatalog, type Catalog } from '../src/product.client';
import { createCartSubgraph, type CartSubgraph } from '../src/server';
import { generateCatalog } from '../../../dev/seed/generate';

export const silentLogger = createLogger('test', { silent: true });

// ---- callers -------------------------------------------------------------------------------------

export const anonymousViewer: Viewer = { kind: 'anonymous' };

export function shopper(options: { admin?: boolean; sub?: string; accessToken?: string } = {}) {
  const sub = options.sub ?? randomUUID();
  const viewer: Viewer = {
    kind: 'user',
    sub,
    username: sub,
    groups: options.admin ? ['admin'] : [],
    isAdmin: options.admin ?? false,
    accessToken: options.accessToken ?? 'test-token',
  };
  return viewer;
}

/** The identity the order service signs its internal calls with. */
export const orderService: Viewer = serviceIdentity('order').viewer;

export interface Reply<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function call<T>(
  url: string,
  secret: string,
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
): Promise<Reply<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-store-identity': signIdentity({ viewer, clientIp: null }, secret),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Reply<T>, 'status'>) };
}

// ---- the catalog ---------------------------------------------------------------------------------

/** What reached the product and order services through the cart's catalog port. */
export interface CatalogCalls {
  variants: string[][];
  stock: string[][];
  reset(): void;
}

export function recordingCatalog(inner: Catalog): { catalog: Catalog; calls: CatalogCalls } {
  const calls: CatalogCalls = {
    variants: [],
    stock: [],
    reset() {
      this.variants.length = 0;
      this.stock.length = 0;
    },
  };
  return {
    calls,
    catalog: {
      variants: (ids) => {
        calls.variants.push([...ids]);
        return inner.variants(ids);
      },
      stock: (ids) => {
        calls.stock.push([...ids]);
        return inner.stock(ids);
      },
    },
  };
}

export interface SeededVariant {
  id: string;
  sku: string;
  /** Minor units. */
  price: number;
  productTitle: string;
  productSlug: string;
  /** Units that can be sold now (read from the order service when the test starts). */
  stock: number;
}

/**
 * Variants of the seeded demo catalog, grouped by their stock as the order service reports it
 * now (so a test run that sold some stock before does not throw the expectations off).
 */
export async function seededVariants(catalog: Catalog, products = 150) {
  const all: Omit<SeededVariant, 'stock'>[] = [];
  for (const generated of generateCatalog({ products })) {
    for (const v of generated.variants) {
      all.push({
        id: v.id,
        sku: v.sku,
        price: v.price,
        productTitle: generated.product.title,
        productSlug: generated.product.slug,
      });
    }
  }
  const stock = await catalog.stock(all.map((v) => v.id));
  const variants = all.map((v) => ({ ...v, stock: stock.get(v.id) ?? 0 }));
  return {
    /** 50 units or more. */
    plenty: variants.filter((v) => v.stock >= 50),
    /** 2 to 10 units. */
    scarce: variants.filter((v) => v.stock >= 2 && v.stock <= 10),
    soldOut: variants.filter((v) => v.stock === 0),
  };
}

// ---- the cart subgraph ---------------------------------------------------------------------------

export interface CartUnderTest {
  url: string;
  server: RunningServer;
  subgraph: CartSubgraph;
  table: string;
  calls: CatalogCalls;
  /** Moves the cart service's clock (milliseconds added to the real time). */
  clock: { offsetMs: number };
  /** The stored item of a cart, as DynamoDB holds it; null when there is none. */
  rawCart(id: string): Promise<Record<string, unknown> | null>;
  close(): Promise<void>;
}

export async function serveCart(options: {
  dynamo: DynamoDBClient;
  identitySecret: string;
  productUrl: string;
  orderUrl: string;
  tablePrefix: string;
  /** Serve this existing table instead of a new one (a second replica). */
  table?: string;
}): Promise<CartUnderTest> {
  const table =
    options.table ?? `${options.tablePrefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
  await ensureCartTable({ client: options.dynamo, name: table });
  const { catalog, calls } = recordingCatalog(
    subgraphCatalog({
      product: { url: options.productUrl, identitySecret: options.identitySecret },
      order: { url: options.orderUrl, identitySecret: options.identitySecret },
    }),
  );
  const clock = { offsetMs: 0 };
  const subgraph = await createCartSubgraph({
    dynamo: options.dynamo,
    table,
    catalog,
    settings: { ttlDays: 30, currencyCode: 'USD' },
    now: () => new Date(Date.now() + clock.offsetMs),
  });
  const server = await serveSubgraph({
    name: 'cart',
    ...subgraph,
    port: 0,
    host: '127.0.0.1',
    identitySecret: options.identitySecret,
    logger: silentLogger,
  });
  return {
    url: server.url.replace('localhost', '127.0.0.1'),
    server,
    subgraph,
    table,
    calls,
    clock,
    async rawCart(id) {
      const { Item } = await options.dynamo.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `CART#${id}` } } }),
      );
      return Item ? unmarshall(Item) : null;
    },
    close: () => server.close(),
  };
}

// ---- operations ------------------------------------------------------------------------------------

export const cartFields = `
  id totalQuantity updatedAt expiresAt
  lines {
    id quantity variant { id }
    cost { amountPerQuantity { amount currencyCode } subtotalAmount { amount currencyCode } }
  }
  cost { subtotalAmount { amount currencyCode } }`;

const payload = `cart { ${cartFields} } userErrors { code field message }`;

export const ops = {
  cart: `query Cart($id: ID!) { cart(id: $id) { ${cartFields} } }`,
  create: `mutation CartCreate($input: CartInput!) { cartCreate(input: $input) { ${payload} } }`,
  add: `mutation CartLinesAdd($cartId: ID!, $lines: [CartLineInput!]!) {
    cartLinesAdd(cartId: $cartId, lines: $lines) { ${payload} } }`,
  update: `mutation CartLinesUpdate($cartId: ID!, $lines: [CartLineUpdateInput!]!) {
    cartLinesUpdate(cartId: $cartId, lines: $lines) { ${payload} } }`,
  remove: `mutation CartLinesRemove($cartId: ID!, $lineIds: [ID!]!) {
    cartLinesRemove(cartId: $cartId, lineIds: $lineIds) { ${payload} } }`,
  assign: `mutation CartAssignToViewer($cartId: ID!) {
    cartAssignToViewer(cartId: $cartId) { ${payload} } }`,
  forCheckout: `query CartForCheckout($id: ID!) {
    cartForCheckout(id: $id) { id ownerSub version lines { variantId quantity } } }`,
  checkedOut: `mutation CartCheckedOut($id: ID!, $orderId: ID!) {
    cartCheckedOut(id: $id, orderId: $orderId) }`,
  userCart: `query UserCart($r: [_Any!]!) {
    _entities(representations: $r) { ... on User { id cart { id totalQuantity } } } }`,
};

export interface CartData {
  id: string;
  totalQuantity: number;
  updatedAt: string;
  expiresAt: string;
  lines: {
    id: string;
    quantity: number;
    variant: { id: string };
    cost: {
      amountPerQuantity: { amount: string; currencyCode: string };
      subtotalAmount: { amount: string; currencyCode: string };
    } | null;
  }[];
  cost: { subtotalAmount: { amount: string; currencyCode: string } | null };
}

export interface PayloadData {
  cart: CartData | null;
  userErrors: { code: string; field: string[] | null; message: string }[];
}
