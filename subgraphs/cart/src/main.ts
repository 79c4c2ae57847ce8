/** Entry point of the cart service: `node dist/subgraphs/cart/src/main.js`. */
import '../../../common/tracing-init';
import { ensureCartTable } from './cart.table';
import 'reflect-metadata';
import { runMain } from '../../../common/config';
import { createDynamoClient } from '../../../common/dynamo';
import { createLogger } from '../../../common/logger';
import { startObservability } from '../../../common/observability';
import { createSmtpMailer } from '../../../common/mail';
import { onShutdown } from '../../../common/shutdown';
import { serveSubgraph } from '../../../common/subgraph';
import { subgraphCatalog } from './product.client';
import { loadCartConfig } from './config';
import { createDomainEventPublisher } from '../../../common/domain-events';
import { AbandonedCartReminders, startReminderJob, type ReminderJob } from './reminder.service';
import { createCartSubgraph } from './server';
import { userSubgraphDirectory } from './user.client';

runMain(async () => {
  const config = loadCartConfig();
  const logger = createLogger('cart');
  const { accessLog } = await startObservability('cart', logger);
  const dynamo = createDynamoClient({ endpoint: config.dynamoEndpoint, region: config.region });
  const table = { client: dynamo, name: config.table };
  if (config.createTables) await ensureCartTable(table, logger);
  const endpoint = (url: string) => ({ url, identitySecret: config.identitySecret });
  const catalog = subgraphCatalog({
    product: endpoint(config.productSubgraphUrl),
    order: endpoint(config.orderSubgraphUrl),
  });
  const subgraph = await createCartSubgraph({
    dynamo,
    table: config.table,
    catalog,
    settings: { ttlDays: config.cartTtlDays, currencyCode: config.currencyCode },
  });

  let job: ReminderJob | null = null;
  const topic = config.eventsTopicArn
    ? createDomainEventPublisher({
        topicArn: config.eventsTopicArn,
        aws: { region: config.awsRegion, endpoint: config.eventsEndpoint },
        logger,
      })
    : undefined;
  const mailer = config.smtpUrl
    ? createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom })
    : null;
  if (!mailer) {
    logger.warn('SMTP_URL is not set: abandoned-cart reminders are off');
  } else if (config.abandonedCartCheckSeconds > 0) {
    const reminders = new AbandonedCartReminders({
      db: table,
      shoppers: userSubgraphDirectory(endpoint(config.userSubgraphUrl)),
      catalog,
      mailer,
      logger,
      topic,
      settings: {
        afterMinutes: config.abandonedCartAfterMinutes,
        storeName: config.mailFrom.replace(/\s*<[^>]*>\s*$/, '').trim() || 'Storefront',
      },
    });
    job = startReminderJob(reminders, config.abandonedCartCheckSeconds, logger);
  }

  const server = await serveSubgraph({
    name: 'cart',
    schema: subgraph.schema,
    loaders: subgraph.loaders,
    checks: subgraph.checks,
    port: config.port,
    identitySecret: config.identitySecret,
    logger,
    accessLog,
    onClose: async () => {
      await job?.stop();
      await Promise.all([mailer?.close(), topic?.close()]);
      dynamo.destroy();
    },
  });
  onShutdown(() => server.close());
});
