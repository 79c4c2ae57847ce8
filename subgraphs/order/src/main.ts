/** Entry point of the order service: `node dist/subgraphs/order/src/main.js`. */
import 'reflect-metadata';
import { runMain } from '../../../common/config';
import { createLogger } from '../../../common/logger';
import { createPool } from '../../../common/postgres';
import { onShutdown } from '../../../common/shutdown';
import { serveSubgraph } from '../../../common/subgraph';
import { loadOrderConfig } from './config';
import { createOrderSubgraph, migrateOrderDatabase } from './server';

runMain(async () => {
  const config = loadOrderConfig();
  const logger = createLogger('order');
  const pool = createPool(config.databaseUrl, { max: config.databasePoolSize });
  const applied = await migrateOrderDatabase(pool);
  if (applied.length > 0) logger.info('migrations applied', { applied });
  const subgraph = await createOrderSubgraph({ pool });
  const server = await serveSubgraph({
    name: 'order',
    schema: subgraph.schema,
    context: subgraph.context,
    checks: subgraph.checks,
    port: config.port,
    identitySecret: config.identitySecret,
    logger,
    onClose: () => pool.end(),
  });
  onShutdown(() => server.close());
});
