/**
 * The cart through the gateway, as the clients use it: the contract's cart operations with real
 * Cognito tokens, the variant fields filled in by the product and order subgraphs, and `me.cart`
 * through the User entity. The checked-in supergraph does not have the cart yet, so this test
 * composes one with it and runs a gateway of its own over the test stack's subgraphs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import type { RunningServer } from '../common/http';
import { projectPath } from '../common/paths';
import { loadGatewayConfig } from '../gateway/src/config';
import { startGateway } from '../gateway/src/server';
import { subgraphCatalog } from '../subgraphs/cart/src/product.client';
import { buildCartSchema } from '../subgraphs/cart/src/server';
import {
  seededVariants,
  serveCart,
  silentLogger,
  type CartUnderTest,
  type SeededVariant,
} from '../subgraphs/cart/test/support';
import { buildOrderSchema } from '../subgraphs/order/src/server';
import { buildProductSchema } from '../subgraphs/product/src/server';
import { buildUserSchema } from '../subgraphs/user/src/server';
import { cognito } from './support/services';
import { identitySecret, startStack, type Stack } from './support/stack';
import { createUser, type TestUser } from './support/tokens';

const contract = readFileSync(projectPath('schema', 'operations', 'cart.graphql'), 'utf8');

let stack: Stack;
let cart: CartUnderTest;
let gateway: RunningServer;
let gatewayUrl: string;
let dir: string;
let plenty: SeededVariant[];
let scarce: SeededVariant[];

const local = (url: string) => url.replace('localhost', '127.0.0.1');

beforeAll(async () => {
  stack = await startStack({ cache: 'memory' });
  cart = await serveCart({
    dynamo: stack.dynamo,
    identitySecret,
    productUrl: local(stack.product.url),
    orderUrl: local(stack.order.url),
    tablePrefix: 'cart-federation',
  });
  const subgraphs: [string, string, () => Promise<GraphQLSchema>][] = [
    ['product', stack.product.url, buildProductSchema],
    ['order', stack.order.url, buildOrderSchema],
    ['user', stack.user.url, buildUserSchema],
    ['cart', cart.url, buildCartSchema],
  ];
  const services = [];
  for (const [name, url, build] of subgraphs) {
    services.push({ name, url: local(url), typeDefs: parse(printSubgraphSchema(await build())) });
  }
  const composed = composeServices(services);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  dir = mkdtempSync(join(tmpdir(), 'cart-supergraph-'));
  writeFileSync(join(dir, 'supergraph.graphql'), composed.supergraphSdl);
  gateway = await startGateway(
    loadGatewayConfig({
      PORT: '0',
      SUPERGRAPH_PATH: join(dir, 'supergraph.graphql'),
      PRODUCT_SUBGRAPH_URL: local(stack.product.url),
      ORDER_SUBGRAPH_URL: local(stack.order.url),
      USER_SUBGRAPH_URL: local(stack.user.url),
      CART_SUBGRAPH_URL: local(cart.url),
      SUBGRAPH_TIMEOUT_MS: '3000',
      INTERNAL_IDENTITY_SECRET: identitySecret,
      COGNITO_USER_POOL_ID: cognito().userPoolId,
      COGNITO_CLIENT_ID: cognito().clientId,
      COGNITO_JWKS_URL: cognito().jwksUrl,
    }),
    silentLogger,
    { host: '127.0.0.1' },
  );
  gatewayUrl = `http://127.0.0.1:${gateway.port}/graphql`;
  ({ plenty, scarce } = await seededVariants(
    subgraphCatalog({
      product: { url: local(stack.product.url), identitySecret },
      order: { url: local(stack.order.url), identitySecret },
    }),
  ));
});

afterAll(async () => {
  await gateway?.close();
  await cart?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Reply<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post<T>(
  query: string,
  variables: Record<string, unknown>,
  options: { operationName?: string; user?: TestUser } = {},
): Promise<Reply<T>> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.user ? { authorization: `Bearer ${options.user.accessToken}` } : {}),
    },
    body: JSON.stringify({ query, variables, operationName: options.operationName }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Reply<T>, 'status'>) };
}

/** Runs one of the contract's cart operations, expecting no errors. */
async function operation<T>(
  name: string,
  variables: Record<string, unknown>,
  user?: TestUser,
): Promise<T> {
  const reply = await post<T>(contract, variables, { operationName: name, user });
  expect(reply.errors).toBeUndefined();
  if (!reply.data) throw new Error(`no data for ${name}`);
  return reply.data;
}

interface ContractCart {
  id: string;
  totalQuantity: number;
  updatedAt: string;
  expiresAt: string;
  lines: {
    id: string;
    quantity: number;
    variant: {
      id: string;
      sku: string;
      title: string;
      price: { amount: string; currencyCode: string };
      quantityAvailable: number | null;
      product: { id: string; slug: string; title: string; featuredImage: { url: string } | null };
    };
    cost: {
      amountPerQuantity: { amount: string; currencyCode: string };
      subtotalAmount: { amount: string; currencyCode: string };
    };
  }[];
  cost: { subtotalAmount: { amount: string; currencyCode: string } };
}

interface ContractPayload {
  cart: ContractCart | null;
  userErrors: { code: string; field: string[] | null; message: string }[];
}

describe('the cart through the gateway', () => {
  it('works for a guest with the contract operations, the catalog filling in each variant', async () => {
    const [a, b] = [plenty[40], plenty[41]];
    const low = scarce[2];
    const { cartCreate } = await operation<{ cartCreate: ContractPayload }>('CartCreate', {
      input: { lines: [{ variantId: a.id, quantity: 2 }] },
    });
    expect(cartCreate.userErrors).toEqual([]);
    const id = cartCreate.cart!.id;
    expect(cartCreate.cart!.lines[0].variant).toMatchObject({
      id: a.id,
      sku: a.sku,
      quantityAvailable: a.stock,
      product: { slug: a.productSlug, title: a.productTitle },
    });
    expect(cartCreate.cart!.lines[0].variant.product.featuredImage?.url).toMatch(/^https:\/\//);
    expect(cartCreate.cart!.lines[0].cost.amountPerQuantity).toEqual(
      cartCreate.cart!.lines[0].variant.price,
    );

    const { cartLinesAdd } = await operation<{ cartLinesAdd: ContractPayload }>('CartLinesAdd', {
      cartId: id,
      lines: [
        { variantId: b.id, quantity: 1 },
        { variantId: low.id, quantity: low.stock + 1 },
      ],
    });
    expect(cartLinesAdd.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INSUFFICIENT_STOCK', ['lines', '1', 'quantity']],
    ]);
    const lineOf = (c: ContractCart, v: SeededVariant) =>
      c.lines.find((l) => l.variant.id === v.id)!;
    expect(lineOf(cartLinesAdd.cart!, low).quantity).toBe(low.stock);

    const { cartLinesUpdate } = await operation<{ cartLinesUpdate: ContractPayload }>(
      'CartLinesUpdate',
      { cartId: id, lines: [{ id: lineOf(cartLinesAdd.cart!, a).id, quantity: 0 }] },
    );
    expect(cartLinesUpdate.cart!.lines.map((l) => l.variant.id)).toEqual([b.id, low.id]);

    const { cartLinesRemove } = await operation<{ cartLinesRemove: ContractPayload }>(
      'CartLinesRemove',
      { cartId: id, lineIds: [lineOf(cartLinesUpdate.cart!, low).id] },
    );
    expect(cartLinesRemove.cart!.totalQuantity).toBe(1);

    const { cart: read } = await operation<{ cart: ContractCart }>('Cart', { id });
    expect(read.lines).toHaveLength(1);
    expect(read.lines[0].variant.sku).toBe(b.sku);
    expect(read.cost.subtotalAmount).toEqual(read.lines[0].variant.price);
  });

  it("is the signed-in shopper's `me.cart`, and a guest cart joins it at sign-in", async () => {
    const shopper = await createUser();
    const [a, b] = [plenty[42], plenty[43]];
    const { cartCreate: guestCart } = await operation<{ cartCreate: ContractPayload }>(
      'CartCreate',
      { input: { lines: [{ variantId: a.id, quantity: 1 }] } },
    );
    const me = `query MyCart { me { id cart { id totalQuantity } } }`;
    const before = await post<{ me: { id: string; cart: unknown } }>(me, {}, { user: shopper });
    expect(before.data?.me).toEqual({ id: shopper.sub, cart: null });

    await operation(
      'CartCreate',
      { input: { lines: [{ variantId: b.id, quantity: 2 }] } },
      shopper,
    );
    const { cartAssignToViewer } = await operation<{ cartAssignToViewer: ContractPayload }>(
      'CartAssignToViewer',
      { cartId: guestCart.cart!.id },
      shopper,
    );
    expect(cartAssignToViewer.userErrors).toEqual([]);
    expect(cartAssignToViewer.cart!.totalQuantity).toBe(3);

    const after = await post<{ me: { id: string; cart: unknown } }>(me, {}, { user: shopper });
    expect(after.errors).toBeUndefined();
    expect(after.data?.me).toEqual({
      id: shopper.sub,
      cart: { id: cartAssignToViewer.cart!.id, totalQuantity: 3 },
    });

    // The guest cart is gone, and the shopper's cart is theirs alone.
    expect(
      (await operation<{ cart: unknown }>('Cart', { id: guestCart.cart!.id })).cart,
    ).toBeNull();
    const stranger = await createUser();
    const id = cartAssignToViewer.cart!.id;
    expect((await operation<{ cart: unknown }>('Cart', { id }, stranger)).cart).toBeNull();
    expect((await operation<{ cart: unknown }>('Cart', { id })).cart).toBeNull();
  });

  it('needs a signed-in shopper to assign a cart', async () => {
    const reply = await post(contract, { cartId: 'x' }, { operationName: 'CartAssignToViewer' });
    expect(reply.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps the checkout operations out of the public API', async () => {
    for (const query of [
      'query { cartForCheckout(id: "x") { id } }',
      'mutation { cartCheckedOut(id: "x", orderId: "y") }',
    ]) {
      const reply = await post(query, {});
      expect(reply.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });
});
