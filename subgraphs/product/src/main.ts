/** Entry point of the product service: `node dist/subgraphs/product/src/main.js`. */
import { ensureTable } from './catalog.table';
import 'reflect-metadata';
import { createSharedCache } from '../../../common/cache';
import { runMain } from '../../../common/config';
import { createDynamoClient } from '../../../common/dynamo';
import { createS3Client } from '../../../common/s3';
import { createLogger } from '../../../common/logger';
import { createStoreEventPublisher } from '../../../common/store-events';
import { onShutdown } from '../../../common/shutdown';
import { serveSubgraph } from '../../../common/subgraph';
import { CatalogEventPublisher } from './catalog-events.service';
import { loadProductConfig } from './config';
import { createProductSubgraph } from './server';
import { orderServiceStockWriter } from './order.client';

runMain(async () => {
  const config = loadProductConfig();
  const logger = createLogger('product');
  const dynamo = createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region });
  if (config.createTables) await ensureTable({ client: dynamo, name: config.table });
  const cache = createSharedCache(config.redisUrl, logger);
  const s3 = config.mediaBucket
    ? createS3Client({ endpoint: config.mediaS3Endpoint, region: config.region })
    : null;
  const presigner =
    s3 && config.mediaS3PublicEndpoint
      ? createS3Client({ endpoint: config.mediaS3PublicEndpoint, region: config.region })
      : undefined;
  const subgraph = await createProductSubgraph({
    dynamo,
    table: config.table,
    cache,
    cacheTtlSeconds: config.cacheTtlSeconds,
    assetBaseUrl: config.assetBaseUrl,
    stock: orderServiceStockWriter({
      url: config.orderSubgraphUrl,
      identitySecret: config.identitySecret,
    }),
    media:
      s3 && config.mediaBucket
        ? {
            s3,
            presigner,
            bucket: config.mediaBucket,
            maxBytes: config.mediaMaxBytes,
            expiresInSeconds: config.mediaUploadExpiresSeconds,
          }
        : undefined,
  });
  // The catalog's changes, for the gateways' cache purges and live updates (store events).
  const publishesEvents = Boolean(config.redisUrl || config.gatewayEventsUrl);
  const events = createStoreEventPublisher({
    redisUrl: config.redisUrl,
    gatewayEventsUrl: config.gatewayEventsUrl,
    channel: config.eventsChannel,
    identitySecret: config.identitySecret,
    serviceName: 'product',
    logger,
  });
  const catalogEvents = new CatalogEventPublisher(
    { client: dynamo, name: config.table },
    events,
    logger.child({ component: 'catalog-events' }),
    { pollMs: config.catalogEventsPollMs },
  );
  if (publishesEvents) catalogEvents.start();
  const server = await serveSubgraph({
    name: 'product',
    schema: subgraph.schema,
    loaders: subgraph.loaders,
    checks: subgraph.checks,
    port: config.port,
    identitySecret: config.identitySecret,
    logger,
    onClose: async () => {
      await catalogEvents.stop();
      await Promise.all([cache.close(), events.close()]);
      dynamo.destroy();
      s3?.destroy();
      presigner?.destroy();
    },
  });
  onShutdown(() => server.close());
});
