/** Entry point of the order service: `node dist/subgraphs/order/src/main.js`. */
import '../../../common/tracing-init';
import 'reflect-metadata';
import { runMain } from '../../../common/config';
import { createLogger } from '../../../common/logger';
import { startObservability } from '../../../common/observability';
import { createPool } from '../../../common/postgres';
import { createStoreEventPublisher } from '../../../common/store-events';
import { createDomainEventPublisher, createSqsClient } from '../../../common/domain-events';
import { watchQueueDepth } from '../../../common/event-queue';
import { createAnalyticsS3Client, startAnalyticsSink } from '../../../common/analytics';
import { OrphanChargeReconciler } from './orphan-charge.service';
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
  const payments = new TestPaymentProvider(paymentsPool);
  const subgraph = await createOrderSubgraph({
    pool,
    webhooks: {
      logger: logger.child({ component: 'webhooks' }),
      fulfillmentSecret: config.fulfillmentWebhookSecret,
      paymentsSecret: config.paymentsWebhookSecret,
    },
    commerce: {
      ...subgraphSources({
        cart: endpoint(config.cartSubgraphUrl),
        product: endpoint(config.productSubgraphUrl),
        user: endpoint(config.userSubgraphUrl),
      }),
      payments,
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
  // Domain events: the outbox publishes to the topic, the emails come from their queue.
  const aws = { region: config.awsRegion, endpoint: config.eventsEndpoint };
  const topic = createDomainEventPublisher({ topicArn: config.eventsTopicArn, aws, logger });
  const sqs = createSqsClient(aws);
  const queues = config.eventsTopicArn && config.notificationsQueueUrl;
  const notifications = startNotifications({
    pool,
    logger: logger.child({ component: 'outbox' }),
    identitySecret: config.identitySecret,
    ...notificationConfig,
    cartSubgraphUrl: config.cartSubgraphUrl,
    searchSubgraphUrl: config.searchSubgraphUrl,
    events,
    domainEvents: queues ? topic : undefined,
    notificationsQueue: queues ? { sqs, queueUrl: queues } : undefined,
  });
  const unwatch = queues ? [await watchQueueDepth(sqs, 'notifications', queues)] : [];
  const s3 = createAnalyticsS3Client(aws);
  const analytics =
    config.analyticsQueueUrl && config.analyticsBucket
      ? startAnalyticsSink({
          sqs,
          s3,
          queueUrl: config.analyticsQueueUrl,
          bucket: config.analyticsBucket,
          logger: logger.child({ component: 'analytics' }),
        })
      : null;
  if (config.analyticsQueueUrl) {
    unwatch.push(await watchQueueDepth(sqs, 'analytics', config.analyticsQueueUrl));
  }
  const reconciler = new OrphanChargeReconciler({
    pool,
    payments,
    logger: logger.child({ component: 'reconciler' }),
    graceSeconds: config.orphanChargeGraceSeconds,
    scanSeconds: config.orphanChargeScanSeconds,
  });
  reconciler.start();
  const server = await serveSubgraph({
    name: 'order',
    schema: subgraph.schema,
    loaders: subgraph.loaders,
    checks: subgraph.checks,
    routes: subgraph.routes,
    port: config.port,
    identitySecret: config.identitySecret,
    logger,
    accessLog,
    onClose: async () => {
      await Promise.all([notifications.stop(), analytics?.stop(), reconciler.stop()]);
      for (const stop of unwatch) stop();
      await Promise.all([events.close(), topic.close()]);
      sqs.destroy();
      s3.destroy();
      await Promise.all([pool.end(), paymentsPool.end()]);
    },
  });
  onShutdown(() => server.close());
});
