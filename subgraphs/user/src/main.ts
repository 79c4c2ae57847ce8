/** Entry point of the user service: `node dist/subgraphs/user/src/main.js`. */
import '../../../common/tracing-init';
import 'reflect-metadata';
import { createSharedCache } from '../../../common/cache';
import { runMain } from '../../../common/config';
import { createLogger } from '../../../common/logger';
import { startObservability } from '../../../common/observability';
import { createPool } from '../../../common/postgres';
import { onShutdown } from '../../../common/shutdown';
import { serveSubgraph } from '../../../common/subgraph';
import { CognitoAccountsClient, createCognitoClient } from './cognito';
import { loadUserConfig } from './config';
import { createDomainEventPublisher } from '../../../common/domain-events';
import { createUserSubgraph, migrateUserDatabase } from './server';

runMain(async () => {
  const config = loadUserConfig();
  const logger = createLogger('user');
  const { accessLog } = await startObservability('user', logger);
  const pool = createPool(config.databaseUrl, { max: config.databasePoolSize });
  const applied = await migrateUserDatabase(pool);
  if (applied.length > 0) logger.info('migrations applied', { applied });
  const cache = createSharedCache(config.redisUrl, logger);
  const cognitoSettings = {
    userPoolId: config.userPoolId,
    clientId: config.clientId,
    region: config.region,
    endpoint: config.cognitoEndpoint,
  };
  const cognito = createCognitoClient(cognitoSettings);
  const topic = config.eventsTopicArn
    ? createDomainEventPublisher({
        topicArn: config.eventsTopicArn,
        aws: { region: config.awsRegion, endpoint: config.eventsEndpoint },
        logger,
      })
    : undefined;
  const subgraph = await createUserSubgraph({
    topic,
    logger,
    pool,
    cache,
    accounts: new CognitoAccountsClient(cognito, cognitoSettings, logger),
    settings: {
      autoConfirm: config.autoConfirm,
      signInLimit: config.signInLimit,
      signInLimitPerIp: config.signInLimitPerIp,
      signInWindowSeconds: config.signInWindowSeconds,
    },
  });
  const server = await serveSubgraph({
    name: 'user',
    schema: subgraph.schema,
    loaders: subgraph.loaders,
    checks: subgraph.checks,
    port: config.port,
    identitySecret: config.identitySecret,
    logger,
    accessLog,
    onClose: async () => {
      cognito.destroy();
      await Promise.all([cache.close(), topic?.close()]);
      await pool.end();
    },
  });
  onShutdown(() => server.close());
});
