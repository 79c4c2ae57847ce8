/**
 * Starts the gateway and the subgraphs in this process on free ports, against the test stores,
 * and counts what reaches DynamoDB and PostgreSQL so tests can assert on batching.
 */
import { ensureCartTable } from '../../subgraphs/cart/src/cart.table';
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Pool } from 'pg';
import { print, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createMemoryCache, createRedisCache, type SharedCache } from '../../common/cache';
import { createDynamoClient } from '../../common/dynamo';
import { createS3Client } from '../../common/s3';
import type { RunningServer } from '../../common/http';
import { startEmbeddedSmtp, type EmbeddedSmtp } from '../../dev/embedded/smtp';
import { createLogger } from '../../common/logger';
import { createStoreEventPublisher, type StoreEventPublisher } from '../../common/store-events';
import { createPool } from '../../common/postgres';
import { serveSubgraph } from '../../common/subgraph';
import { loadGatewayConfig } from '../../gateway/src/config';
import { startGateway } from '../../gateway/src/server';
import { loadPricingRules } from '../../subgraphs/order/src/config';
import { TestPaymentProvider } from '../../subgraphs/order/src/payments';
import { startNotifications } from '../../subgraphs/order/src/outbox';
import { CatalogEventPublisher } from '../../subgraphs/product/src/catalog-events.service';
import { createOrderSubgraph, subgraphSources } from '../../subgraphs/order/src/server';
import { createProductSubgraph } from '../../subgraphs/product/src/server';
import { orderServiceStockWriter } from '../../subgraphs/product/src/order.client';
import { CognitoAccountsClient, createCognitoClient } from '../../subgraphs/user/src/cognito';
import { createUserSubgraph } from '../../subgraphs/user/src/server';
import { subgraphCatalog } from '../../subgraphs/cart/src/product.client';
import { createCartSubgraph } from '../../subgraphs/cart/src/server';
import type { CatalogIndexer } from '../../subgraphs/search/src/indexer';
import {
  createSearchPool,
  createSearchSubgraph,
  migrateSearchDatabase,
} from '../../subgraphs/search/src/server';
import { orderServiceStock } from '../../subgraphs/search/src/order.client';
import { productServiceFeed } from '../../subgraphs/search/src/product.client';
import { createEmptyCatalog } from './catalog-table';
import { cognito, dynamoEndpoint, s3Endpoint, testDatabaseUrl, testServices } from './services';

export interface Counters {
  /** DynamoDB operations sent on the wire (one per attempt), by command name. */
  dynamo: string[];
  /** Queries sent to PostgreSQL through the pool. */
  postgres: number;
  reset(): void;
}

export interface StackOptions {
  /** `redis` (the real one, a namespace of its own), `memory`, or a cache to use as is. */
  cache?: 'redis' | 'memory' | SharedCache;
  redisUrl?: string;
  /** Point the product service at another DynamoDB endpoint (for example, one that is down). */
  dynamoEndpoint?: string;
  /**
   * A catalog table of the stack's own, holding only the demo categories, for tests that write
   * products (the seeded table's counts are asserted elsewhere).
   */
  privateCatalog?: boolean;
  /** Run the order service's outbox dispatcher, mailing to an in-process SMTP server. */
  notifications?: boolean;
  /**
   * Publish store events to the gateway: the outbox's (implies `notifications`) and the catalog
   * feed's. `http` pushes them to the gateway's `/internal/events`, as `npm start` does; `redis`
   * publishes on a pub/sub channel of the stack's own, as production does.
   */
  events?: 'http' | 'redis';
  /**
   * The search index's PostgreSQL schema. By default the shared `search` schema, which follows
   * the shared seeded catalog; a stack with a private catalog gets a private index unless given.
   */
  searchSchema?: string;
  /** How often the search service reads the catalog's change feed (default 100 ms). */
  searchPollMs?: number;
  /**
   * Whether the search service follows the catalog (default true). Off for tests that count
   * what reaches DynamoDB, which the feed reader would add to.
   */
  searchFeed?: boolean;
}

export interface Stack {
  gatewayUrl: string;
  gateway: Awaited<ReturnType<typeof startGateway>>;
  product: RunningServer;
  order: RunningServer;
  user: RunningServer;
  cart: RunningServer;
  search: RunningServer;
  /** The search service's indexer (its feed reader runs while the stack does). */
  indexer: CatalogIndexer;
  /** The search service's pool (its sessions resolve names in the stack's index schema). */
  searchPool: Pool;
  /** The mail server the dispatcher sends to (with `notifications`). */
  mail: EmbeddedSmtp | null;
  /** With `events`: the Redis channel of the stack's store events (`redis`), or null. */
  eventsChannel: string | null;
  counters: Counters;
  cache: SharedCache;
  dynamo: DynamoDBClient;
  /** The catalog table the product service reads (the stack's own with `privateCatalog`). */
  catalogTable: string;
  stop(): Promise<void>;
}

function countDynamo(client: DynamoDBClient, sink: string[]): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sink.push(String(context.commandName ?? 'unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'testRequestCounter' },
  );
}

let stackNumber = 0;

/** Shared by the gateway and the subgraphs of every test stack. */
export const identitySecret = randomBytes(32).toString('base64url');

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const logger = createLogger('test', { silent: true });
  const dynamo = createDynamoClient({
    endpoint: options.dynamoEndpoint ?? dynamoEndpoint(),
    region: 'us-east-1',
  });
  const pool = createPool(testDatabaseUrl(), { max: 10 });
  const counters: Counters = {
    dynamo: [],
    postgres: 0,
    reset() {
      this.dynamo.length = 0;
      this.postgres = 0;
    },
  };
  countDynamo(dynamo, counters.dynamo);
  pool.on('acquire', () => counters.postgres++);

  const namespace = `test:${process.pid}:${Date.now()}:${stackNumber++}:`;
  const baseCache =
    options.cache === 'memory'
      ? createMemoryCache()
      : typeof options.cache === 'object'
        ? options.cache
        : createRedisCache({ url: options.redisUrl ?? testServices.redisUrl, logger });
  const cache = baseCache.namespace(namespace);

  // The order service first: creating a product sets its initial stock there.
  // Checkout reads the cart, prices and the shopper's account from services that start later.
  const checkoutUrls = { cart: '', product: '', user: '' };
  const checkoutEndpoint = (name: keyof typeof checkoutUrls) => ({
    get url() {
      return checkoutUrls[name];
    },
    identitySecret,
  });
  const paymentsPool = createPool(testDatabaseUrl(), { max: 4 });
  const orderGraph = await createOrderSubgraph({
    pool,
    commerce: {
      ...subgraphSources({
        cart: checkoutEndpoint('cart'),
        product: checkoutEndpoint('product'),
        user: checkoutEndpoint('user'),
      }),
      payments: new TestPaymentProvider(paymentsPool),
      pricing: loadPricingRules({}),
      currency: 'USD',
    },
  });
  const order = await serveSubgraph({
    name: 'order',
    ...orderGraph,
    port: 0,
    host: '127.0.0.1',
    identitySecret,
    logger,
  });
  // Random as well: with --runInBand every test file runs in this process with stackNumber from 0.
  const table = options.privateCatalog
    ? `test-catalog-${process.pid}-${stackNumber}-${randomBytes(4).toString('hex')}`
    : testServices.catalogTable;
  if (options.privateCatalog) await createEmptyCatalog(dynamo, table);
  // The media bucket on the S3 stand-in the global setup started.
  const s3 = createS3Client({ endpoint: s3Endpoint(), region: 'us-east-1' });
  const productGraph = await createProductSubgraph({
    dynamo,
    table,
    cache,
    cacheTtlSeconds: 300,
    assetBaseUrl: 'https://cdn.test.example',
    stock: orderServiceStockWriter({
      url: order.url.replace('localhost', '127.0.0.1'),
      identitySecret,
    }),
    media: { s3, bucket: testServices.mediaBucket, maxBytes: 1_048_576, expiresInSeconds: 300 },
  });
  const product = await serveSubgraph({
    name: 'product',
    ...productGraph,
    port: 0,
    host: '127.0.0.1',
    identitySecret,
    logger,
  });
  checkoutUrls.product = `http://127.0.0.1:${product.port}/graphql`;
  // The cart keeps its own table on the real test DynamoDB, whatever the product service uses.
  const cartDynamo = createDynamoClient({ endpoint: dynamoEndpoint(), region: 'us-east-1' });
  const cartTable = `test-carts-${process.pid}-${stackNumber}`;
  await ensureCartTable({ client: cartDynamo, name: cartTable });
  const cartGraph = await createCartSubgraph({
    dynamo: cartDynamo,
    table: cartTable,
    catalog: subgraphCatalog({
      product: { url: `http://127.0.0.1:${product.port}/graphql`, identitySecret },
      order: { url: `http://127.0.0.1:${order.port}/graphql`, identitySecret },
    }),
    settings: { ttlDays: 30, currencyCode: 'USD' },
  });
  const cart = await serveSubgraph({
    name: 'cart',
    ...cartGraph,
    port: 0,
    host: '127.0.0.1',
    identitySecret,
    logger,
  });
  checkoutUrls.cart = `http://127.0.0.1:${cart.port}/graphql`;
  const userPool = cognito();
  const cognitoSettings = {
    userPoolId: userPool.userPoolId,
    clientId: userPool.clientId,
    region: userPool.region,
    endpoint: userPool.endpoint,
  };
  const cognitoApi = createCognitoClient(cognitoSettings);
  const userGraph = await createUserSubgraph({
    pool,
    cache,
    accounts: new CognitoAccountsClient(cognitoApi, cognitoSettings, logger),
    settings: { autoConfirm: true, signInLimit: 5, signInLimitPerIp: 50, signInWindowSeconds: 300 },
  });
  const user = await serveSubgraph({
    name: 'user',
    ...userGraph,
    port: 0,
    host: '127.0.0.1',
    identitySecret,
    logger,
  });
  checkoutUrls.user = `http://127.0.0.1:${user.port}/graphql`;

  const privateSearch = !options.searchSchema && options.privateCatalog === true;
  const searchSchema =
    options.searchSchema ??
    (privateSearch ? `search_stack_${process.pid}_${randomBytes(4).toString('hex')}` : 'search');
  const searchPool = createSearchPool(testDatabaseUrl(), searchSchema, 6);
  await migrateSearchDatabase(searchPool, searchSchema);
  const searchGraph = await createSearchSubgraph({
    pool: searchPool,
    feed: productServiceFeed({ url: `http://127.0.0.1:${product.port}/graphql`, identitySecret }),
    stock: orderServiceStock({ url: `http://127.0.0.1:${order.port}/graphql`, identitySecret }),
    logger,
    indexer: { pollMs: options.searchPollMs ?? 100, lookbackMs: 2_000, pageSize: 500 },
    currencyCode: 'USD',
  });
  // Brings the index up to date before the stack is handed out (unless the catalog is
  // unreachable, which some tests arrange), then follows the catalog.
  const following = options.searchFeed !== false;
  if (following) await searchGraph.indexer.catchUp().catch(() => undefined);
  const feed = following ? searchGraph.indexer.start() : { stop: async () => undefined };
  const search = await serveSubgraph({
    name: 'search',
    ...searchGraph,
    port: 0,
    host: '127.0.0.1',
    identitySecret,
    logger,
  });

  const eventsChannel =
    options.events === 'redis' ? `store-events-${randomBytes(6).toString('hex')}` : null;
  const config = loadGatewayConfig({
    PORT: '0',
    PRODUCT_SUBGRAPH_URL: `http://127.0.0.1:${product.port}/graphql`,
    ORDER_SUBGRAPH_URL: `http://127.0.0.1:${order.port}/graphql`,
    USER_SUBGRAPH_URL: `http://127.0.0.1:${user.port}/graphql`,
    CART_SUBGRAPH_URL: `http://127.0.0.1:${cart.port}/graphql`,
    SEARCH_SUBGRAPH_URL: `http://127.0.0.1:${search.port}/graphql`,
    SUBGRAPH_TIMEOUT_MS: '3000',
    INTERNAL_IDENTITY_SECRET: identitySecret,
    COGNITO_USER_POOL_ID: cognito().userPoolId,
    COGNITO_CLIENT_ID: cognito().clientId,
    COGNITO_JWKS_URL: cognito().jwksUrl,
    // Every test's requests come from 127.0.0.1; the edge's tests run gateways with the limits on.
    RATE_LIMIT_PER_ADDRESS: '0',
    RATE_LIMIT_PER_SHOPPER: '0',
    ...(eventsChannel
      ? { REDIS_URL: testServices.redisUrl, STORE_EVENTS_CHANNEL: eventsChannel }
      : {}),
  });
  // Store events: published once the gateway listens (the HTTP push needs its port).
  let publisher: StoreEventPublisher | null = null;
  const events: StoreEventPublisher = {
    publish: async (event) => {
      if (!publisher) throw new Error('the gateway is not listening yet');
      await publisher.publish(event);
    },
    close: async () => publisher?.close(),
  };
  const catalogEvents = options.events
    ? new CatalogEventPublisher({ client: dynamo, name: table }, events, logger, { pollMs: 50 })
    : null;
  const mail = options.notifications || options.events ? await startEmbeddedSmtp() : null;
  const outbox = mail
    ? startNotifications({
        pool,
        logger,
        identitySecret,
        smtpUrl: mail.url,
        mailFrom: 'Storefront <orders@example.com>',
        outboxPollMs: 25,
        cartSubgraphUrl: `http://127.0.0.1:${cart.port}/graphql`,
        searchSubgraphUrl: `http://127.0.0.1:${search.port}/graphql`,
        events: options.events ? events : undefined,
      })
    : null;
  const gateway = await startGateway(config, logger, { host: '127.0.0.1' });
  if (options.events) {
    publisher = createStoreEventPublisher({
      redisUrl: options.events === 'redis' ? testServices.redisUrl : undefined,
      gatewayEventsUrl: `http://127.0.0.1:${gateway.port}/internal/events`,
      channel: eventsChannel ?? undefined,
      identitySecret,
      logger,
    });
    catalogEvents?.start();
  }

  return {
    gatewayUrl: `http://127.0.0.1:${gateway.port}/graphql`,
    gateway,
    product,
    order,
    user,
    cart,
    search,
    indexer: searchGraph.indexer,
    searchPool,
    mail,
    eventsChannel,
    counters,
    cache,
    dynamo,
    catalogTable: table,
    async stop() {
      await gateway.close();
      // The background callers first (the feed reader and the outbox call the services).
      await feed.stop();
      await catalogEvents?.stop();
      await outbox?.stop();
      await events.close();
      await Promise.allSettled([
        product.close(),
        order.close(),
        user.close(),
        cart.close(),
        search.close(),
      ]);
      cognitoApi.destroy();
      cartDynamo.destroy();
      await mail?.stop();
      if (privateSearch) await searchPool.query(`DROP SCHEMA ${searchSchema} CASCADE`);
      await Promise.all([pool.end(), paymentsPool.end(), searchPool.end()]);
      dynamo.destroy();
      s3.destroy();
      if (typeof options.cache !== 'object') await baseCache.close();
    },
  };
}

export interface GraphQLResponse<T> extends ExecutionResult<T> {
  status: number;
}

/** Sends a typed operation to a GraphQL endpoint over HTTP. */
export async function execute<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as ExecutionResult<TData>;
  return { ...body, status: response.status };
}
