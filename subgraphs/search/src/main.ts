/** Entry point of the search service: `node dist/subgraphs/search/src/main.js`. */
import '../../../common/tracing-init';
import 'reflect-metadata';
import { runMain } from '../../../common/config';
import { createLogger } from '../../../common/logger';
import { startObservability } from '../../../common/observability';
import { onShutdown } from '../../../common/shutdown';
import { serveSubgraph } from '../../../common/subgraph';
import { loadSearchConfig } from './config';
import { createSearchPool, createSearchSubgraph, migrateSearchDatabase } from './server';
import { orderServiceStock } from './order.client';
import { createSqsClient } from '../../../common/domain-events';
import { watchQueueDepth } from '../../../common/event-queue';
import { startSignalsConsumer } from './signals.consumer';
import { productServiceFeed } from './product.client';

runMain(async () => {
  const config = loadSearchConfig();
  const logger = createLogger('search');
  const { accessLog } = await startObservability('search', logger);
  const pool = createSearchPool(config.databaseUrl, config.schema, config.databasePoolSize);
  const applied = await migrateSearchDatabase(pool, config.schema);
  if (applied.length > 0) logger.info('migrations applied', { applied });
  const endpoint = (url: string) => ({
    url,
    identitySecret: config.identitySecret,
    timeoutMs: 30_000,
  });
  const subgraph = await createSearchSubgraph({
    pool,
    feed: productServiceFeed(endpoint(config.productSubgraphUrl)),
    stock: orderServiceStock(endpoint(config.orderSubgraphUrl)),
    logger: logger.child({ component: 'indexer' }),
    indexer: {
      pollMs: config.feedPollMs,
      lookbackMs: config.feedLookbackMs,
      pageSize: 500,
    },
    currencyCode: config.currencyCode,
  });
  // Follows the catalog from where the index left off (everything, the first time).
  const feed = subgraph.indexer.start();
  // Purchase and stock signals from the store's domain events, when the queue is configured.
  const sqs = createSqsClient({ region: config.awsRegion, endpoint: config.eventsEndpoint });
  const queueUrl = config.searchEventsQueueUrl;
  const signals = queueUrl
    ? startSignalsConsumer({
        sqs,
        queueUrl,
        pool,
        indexer: subgraph.indexer,
        logger: logger.child({ component: 'signals' }),
      })
    : null;
  const unwatch = queueUrl ? await watchQueueDepth(sqs, 'search', queueUrl) : () => undefined;
  const server = await serveSubgraph({
    name: 'search',
    schema: subgraph.schema,
    loaders: subgraph.loaders,
    checks: subgraph.checks,
    port: config.port,
    identitySecret: config.identitySecret,
    logger,
    accessLog,
    onClose: async () => {
      await Promise.all([feed.stop(), signals?.stop()]);
      unwatch();
      sqs.destroy();
      await pool.end();
    },
  });
  onShutdown(() => server.close());
});
