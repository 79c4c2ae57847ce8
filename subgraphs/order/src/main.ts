/** Entry point of the order service: `node dist/subgraphs/order/src/main.js`. */
import '../../../common/tracing-init';
import 'reflect-metadata';
import { runMain } from '../../../common/config';
import { createLogger } from '../../../common/logger';
import { startObservability } from '../../../common/observability';
import { createPool } from '../../../common/postgres';
import { createStoreEventPublisher } from '../../../common/store-events';
import { onShutdown } from '../../../common/shutdown';
import { serveSubgraph } from '../../../common/subgraph';
import { loadOrderConfig } from './config';
import { TestPaymentProvider } from './payments';
import { loadNotificationConfig, startNotifications } from './outbox';
import { createOrderSubgraph, migrateOrderDatabase, subgraphSources } from './server';

runMain(async () => {
  const config = loadOrderConfig();
  const notificationConfig = loadNotificationConfig();
  const logger = createLogger('order');
  const { accessLog } = await startObservability('order', logger);
  const pool = createPool(config.databaseUrl, { max: config.databasePoolSize });
  // The test payment provider stands for an external service: a pool of its own (payments.ts).
  const paymentsPool = createPool(config.databaseUrl, { max: 4, name: 'payments' });
  const applied = await migrateOrderDatabase(pool);
  if (applied.length > 0) logger.info('migrations applied', { applied });
  const endpoint = (url: string) => ({
    url,
    identitySecret: config.identitySecret,
    timeoutMs: config.subgraphTimeoutMs,
  });
  const subgraph = await createOrderSubgraph({
    pool,
    commerce: {
      ...subgraphSources({
        cart: endpoint(config.cartSubgraphUrl),
        product: endpoint(config.productSubgraphUrl),
        user: endpoint(config.userSubgraphUrl),
      }),
      payments: new TestPaymentProvider(paymentsPool),
      pricing: {
        shippingFlatRate: config.shippingFlatRate,
        freeShippingThreshold: config.freeShippingThreshold,
        taxRate: config.taxRate,
      },
      currency: config.currency,
    },
  });
  // Delivers the outbox: order emails, emptying carts after checkout, telling the search service
  // about orders and stock changes, and publishing store events for the gateways.
  const events = createStoreEventPublisher({
    redisUrl: config.redisUrl,
    gatewayEventsUrl: config.gatewayEventsUrl,
    channel: config.eventsChannel,
    identitySecret: config.identitySecret,
    serviceName: 'order',
    logger,
  });
  const notifications = startNotifications({
    pool,
    logger: logger.child({ component: 'outbox' }),
    identitySecret: config.identitySecret,
    ...notificationConfig,
    cartSubgraphUrl: config.cartSubgraphUrl,
    searchSubgraphUrl: config.searchSubgraphUrl,
    events,
  });
  const server = await serveSubgraph({
    name: 'order',
    schema: subgraph.schema,
    loaders: subgraph.loaders,
    checks: subgraph.checks,
    port: config.port,
    identitySecret: config.identitySecret,
    logger,
    accessLog,
    onClose: async () => {
      await notifications.stop();
      await events.close();
      await Promise.all([pool.end(), paymentsPool.end()]);
    },
  });
  onShutdown(() => server.close());
});
