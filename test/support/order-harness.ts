/**
 * Test support for checkout and orders (subgraphs/order/test/): the order
 * subgraph with its real neighbours, each served over HTTP on a free port and called the way the
 * gateway calls it, with a signed identity:
 *
 * - product: over a catalog table of its own (so the products tests create never disturb the
 *   seeded catalog others assert on); prices come from it;
 * - cart: the cart subgraph over a cart table of its own; checkout reads carts from it;
 * - user: accounts and saved addresses, against the Cognito emulator;
 * - the gateway, over a supergraph composed from these subgraphs as they are now, for the
 *   contract's operations end to end.
 *
 * Stock, orders and the test payment provider's ledger are in the test PostgreSQL.
 */
import { ensureCartTable } from '../../subgraphs/cart/src/cart.table';
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { Pool } from 'pg';
import { createRedisCache, type SharedCache } from '../../common/cache';
import { createDynamoClient } from '../../common/dynamo';
import type { RunningServer } from '../../common/http';
import { signIdentity, type Viewer } from '../../common/identity';
import { createLogger } from '../../common/logger';
import { createPool } from '../../common/postgres';
import { serveSubgraph, type SubgraphOptions } from '../../common/subgraph';
import { loadGatewayConfig } from '../../gateway/src/config';
import { startGateway } from '../../gateway/src/server';
import { subgraphCatalog } from '../../subgraphs/cart/src/product.client';
import { buildCartSchema, createCartSubgraph } from '../../subgraphs/cart/src/server';
import { buildProductSchema, createProductSubgraph } from '../../subgraphs/product/src/server';
import { orderServiceStockWriter } from '../../subgraphs/product/src/order.client';
import { CognitoAccountsClient, createCognitoClient } from '../../subgraphs/user/src/cognito';
import { buildUserSchema, createUserSubgraph } from '../../subgraphs/user/src/server';
import { createEmptyCatalog } from './catalog-table';
import { cognito, dynamoEndpoint, testDatabaseUrl, testServices } from './services';
import { loadPricingRules } from '../../subgraphs/order/src/config';
import { TestPaymentProvider, type PaymentProvider } from '../../subgraphs/order/src/payments';
import type { PricingRules } from '../../subgraphs/order/src/pricing';
import {
  buildOrderSchema,
  createOrderSubgraph,
  subgraphSources,
} from '../../subgraphs/order/src/server';
import type { CartSource } from '../../subgraphs/order/src/cart.client';

export const silentLogger = createLogger('test', { silent: true });

// ---- callers -------------------------------------------------------------------------------------

export const anonymous: Viewer = { kind: 'anonymous' };

/** A signed-in shopper the user service does not know (enough for everything but `me`). */
export function shopper(options: { admin?: boolean } = {}): Extract<Viewer, { kind: 'user' }> {
  const sub = randomUUID();
  return {
    kind: 'user',
    sub,
    username: sub,
    groups: options.admin ? ['admin'] : [],
    isAdmin: options.admin ?? false,
    accessToken: 'test-token',
  };
}

export const admin = shopper({ admin: true });

export interface Reply<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

// ---- the stack -----------------------------------------------------------------------------------

export interface OrderHarness {
  secret: string;
  /** The test database, for assertions on what was stored. */
  db: Pool;
  /** Queries the services sent through `db` (one pool checkout each) since the last reset. */
  queries: { count: number };
  order: RunningServer;
  product: RunningServer;
  cart: RunningServer;
  user: RunningServer;
  gatewayUrl: string;
  /** Calls a subgraph directly with `viewer`'s signed identity. */
  call<T>(
    server: RunningServer,
    query: string,
    variables?: Record<string, unknown>,
    viewer?: Viewer,
  ): Promise<Reply<T>>;
  /**
   * Calls the gateway, with `Authorization: Bearer <token>` when a token is given; a document
   * of several operations needs `operationName`.
   */
  viaGateway<T>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    operationName?: string,
  ): Promise<Reply<T>>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Wraps the cart source checkout reads through (to observe or break it). */
  cartSource?: (real: CartSource) => CartSource;
  /** Wraps the payment provider (to observe or break it). */
  payments?: (real: PaymentProvider) => PaymentProvider;
  pricing?: PricingRules;
  /** Start the gateway (composing a supergraph); default true. */
  gateway?: boolean;
}

const local = (server: RunningServer) => server.url.replace('localhost', '127.0.0.1');

async function post<T>(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
  operationName?: string,
): Promise<Reply<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Reply<T>, 'status'>) };
}

export async function startOrderHarness(options: HarnessOptions = {}): Promise<OrderHarness> {
  const secret = randomBytes(32).toString('base64url');
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const db = createPool(testDatabaseUrl(), { max: 20 });
  const queries = { count: 0 };
  db.on('acquire', () => queries.count++);
  const paymentsPool = createPool(testDatabaseUrl(), { max: 4 });
  const dynamo = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
  const redis: SharedCache = createRedisCache({
    url: testServices.redisUrl,
    logger: silentLogger,
  });
  const servers: RunningServer[] = [];
  const serve = async <C extends object>(
    name: string,
    graph: Pick<SubgraphOptions<C>, 'schema' | 'loaders' | 'checks'>,
  ) => {
    const server = await serveSubgraph({
      name,
      schema: graph.schema,
      loaders: graph.loaders,
      checks: graph.checks,
      port: 0,
      host: '127.0.0.1',
      identitySecret: secret,
      logger: silentLogger,
    });
    servers.push(server);
    return server;
  };

  // URLs known only once each service listens: the order service reads them at every call.
  const urls = { cart: '', product: '', user: '' };
  const endpoint = (name: keyof typeof urls) => ({
    get url() {
      return urls[name];
    },
    identitySecret: secret,
    timeoutMs: 5_000,
  });
  const sources = subgraphSources({
    cart: endpoint('cart'),
    product: endpoint('product'),
    user: endpoint('user'),
  });
  const realPayments = new TestPaymentProvider(paymentsPool);
  const order = await serve(
    'order',
    await createOrderSubgraph({
      pool: db,
      commerce: {
        ...sources,
        cart: options.cartSource ? options.cartSource(sources.cart) : sources.cart,
        payments: options.payments ? options.payments(realPayments) : realPayments,
        pricing: options.pricing ?? loadPricingRules({}),
        currency: 'USD',
      },
    }),
  );

  const catalogTable = `orders-catalog-${suffix}`;
  await createEmptyCatalog(dynamo, catalogTable);
  const product = await serve(
    'product',
    await createProductSubgraph({
      dynamo,
      table: catalogTable,
      cache: redis.namespace(`test:orders:${suffix}:`),
      cacheTtlSeconds: 300,
      assetBaseUrl: 'https://cdn.test.example',
      stock: orderServiceStockWriter({ url: local(order), identitySecret: secret }),
    }),
  );
  urls.product = local(product);

  const cartTable = `orders-carts-${suffix}`;
  await ensureCartTable({ client: dynamo, name: cartTable });
  const cart = await serve(
    'cart',
    await createCartSubgraph({
      dynamo,
      table: cartTable,
      catalog: subgraphCatalog({
        product: { url: local(product), identitySecret: secret },
        order: { url: local(order), identitySecret: secret },
      }),
      settings: { ttlDays: 30, currencyCode: 'USD' },
    }),
  );
  urls.cart = local(cart);

  const pool = cognito();
  const cognitoSettings = {
    userPoolId: pool.userPoolId,
    clientId: pool.clientId,
    region: pool.region,
    endpoint: pool.endpoint,
  };
  const cognitoApi = createCognitoClient(cognitoSettings);
  const user = await serve(
    'user',
    await createUserSubgraph({
      pool: db,
      cache: redis.namespace(`test:orders-user:${suffix}:`),
      accounts: new CognitoAccountsClient(cognitoApi, cognitoSettings, silentLogger),
      settings: {
        autoConfirm: true,
        signInLimit: 5,
        signInLimitPerIp: 50,
        signInWindowSeconds: 300,
      },
    }),
  );
  urls.user = local(user);

  let gateway: Awaited<ReturnType<typeof startGateway>> | null = null;
  let supergraphDir: string | null = null;
  if (options.gateway ?? true) {
    supergraphDir = mkdtempSync(join(tmpdir(), 'orders-supergraph-'));
    const supergraphPath = join(supergraphDir, 'supergraph.graphql');
    writeFileSync(
      supergraphPath,
      await composeSupergraph({
        product: local(product),
        order: local(order),
        user: local(user),
        cart: local(cart),
      }),
    );
    const config = loadGatewayConfig({
      PORT: '0',
      PRODUCT_SUBGRAPH_URL: local(product),
      ORDER_SUBGRAPH_URL: local(order),
      USER_SUBGRAPH_URL: local(user),
      CART_SUBGRAPH_URL: local(cart),
      SUPERGRAPH_PATH: supergraphPath,
      SUBGRAPH_TIMEOUT_MS: '5000',
      INTERNAL_IDENTITY_SECRET: secret,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_JWKS_URL: pool.jwksUrl,
    });
    gateway = await startGateway(config, silentLogger, { host: '127.0.0.1' });
  }

  return {
    secret,
    db,
    queries,
    order,
    product,
    cart,
    user,
    gatewayUrl: gateway ? `http://127.0.0.1:${gateway.port}/graphql` : '',
    call: (server, query, variables = {}, viewer = anonymous) =>
      post(
        local(server),
        { 'x-store-identity': signIdentity({ viewer, clientIp: '203.0.113.7' }, secret) },
        query,
        variables,
      ),
    viaGateway: (query, variables = {}, token, operationName) => {
      if (!gateway) throw new Error('this harness runs without a gateway');
      return post(
        `http://127.0.0.1:${gateway.port}/graphql`,
        token ? { authorization: `Bearer ${token}` } : {},
        query,
        variables,
        operationName,
      );
    },
    async stop() {
      await gateway?.close();
      await Promise.allSettled(servers.map((s) => s.close()));
      if (supergraphDir) rmSync(supergraphDir, { recursive: true, force: true });
      cognitoApi.destroy();
      await Promise.allSettled([db.end(), paymentsPool.end()]);
      await redis.close();
      dynamo.destroy();
    },
  };
}

/** The supergraph of these subgraphs as their code defines them now, routed to `urls`. */
async function composeSupergraph(urls: Record<string, string>): Promise<string> {
  const builders = {
    product: buildProductSchema,
    order: buildOrderSchema,
    user: buildUserSchema,
    cart: buildCartSchema,
  };
  const services = [];
  for (const [name, build] of Object.entries(builders)) {
    services.push({
      name,
      url: urls[name],
      typeDefs: parse(printSubgraphSchema(await build())),
    });
  }
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  }
  return result.supergraphSdl;
}
