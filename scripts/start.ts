/**
 * `npm start`: the whole store on one machine with nothing configured. Starts embedded stores
 * for what is not configured, seeds the demo catalog on first start, runs every subgraph as its
 * own process (as in production) and the gateway in front. Ctrl-C stops everything.
 */
import { ConfigError, env, loadConfig, runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { METRICS_PORTS } from '../common/observability';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';
import { launch, stopAll, waitReady, type Service } from '../dev/processes';
import {
  loadStoreConfig,
  openStores,
  prepareStores,
  removeLocalServiceSettings,
  serviceEnvironment,
  writeLocalServiceSettings,
  DEV_ADMIN_EMAIL,
  type Stores,
} from '../dev/stores';

const logger = createLogger('start');

runMain(async () => {
  const { port, metricsBase } = loadConfig({
    port: env.port('PORT', 4000),
    // The gateway's metrics port; the subgraphs' follow it (9401–9405 by default).
    metricsBase: env.int('METRICS_PORT_BASE', METRICS_PORTS.gateway, { min: 1, max: 65_000 }),
  });
  const metricsPort = (service: string) =>
    metricsBase + (METRICS_PORTS[service] ?? 0) - METRICS_PORTS.gateway;
  const storeConfig = loadStoreConfig();
  // Production generates no secrets: every service must share one that was given.
  const production = process.env.NODE_ENV === 'production';
  if (production && !storeConfig.identitySecret)
    throw new ConfigError('INTERNAL_IDENTITY_SECRET', 'is required when NODE_ENV=production');
  const stores: Stores = await openStores(storeConfig, logger);
  if (production)
    for (const line of stores.embedded)
      logger.warn('NODE_ENV=production, but a store is not configured: using a stand-in', { line });
  const services: Service[] = [];
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    await stopAll(services);
    await removeLocalServiceSettings().catch(() => undefined);
    await stores.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    await prepareStores(storeConfig, stores, logger);
    const shared = serviceEnvironment(storeConfig, stores);
    const gatewayEnv: Record<string, string> = {
      ...shared,
      PORT: String(port),
      METRICS_PORT: String(metricsPort('gateway')),
    };
    // Without Redis, the services push their store events to the one gateway.
    const events: Record<string, string> = storeConfig.redisUrl
      ? {}
      : { GATEWAY_EVENTS_URL: `http://127.0.0.1:${port}/internal/events` };
    for (const subgraph of subgraphRegistry) {
      const service = launch(subgraph.name, subgraph.entry, {
        ...shared,
        ...events,
        PORT: String(subgraph.port),
        METRICS_PORT: String(metricsPort(subgraph.name)),
      });
      services.push(service);
      gatewayEnv[subgraphUrlVariable(subgraph.name)] = `http://127.0.0.1:${subgraph.port}/graphql`;
    }
    await Promise.all(
      subgraphRegistry.map((s, i) => waitReady(services[i], `http://127.0.0.1:${s.port}`)),
    );
    await writeLocalServiceSettings({
      ...shared,
      ...Object.fromEntries(
        subgraphRegistry.map((s) => [
          subgraphUrlVariable(s.name),
          gatewayEnv[subgraphUrlVariable(s.name)],
        ]),
      ),
    });
    const gateway = launch('gateway', 'dist/gateway/src/main.js', gatewayEnv);
    services.push(gateway);
    await waitReady(gateway, `http://127.0.0.1:${port}`);

    for (const service of services) {
      void service.exited.then((code) => {
        if (!stopping) {
          logger.error(`${service.name} stopped unexpectedly; shutting down`, { code });
          void stop(1);
        }
      });
    }

    const lines = [
      '',
      'Storefront GraphQL is running.',
      `  gateway     http://localhost:${port}/graphql`,
      production && !/^(1|true|yes|on)$/i.test(process.env.GRAPHIQL ?? '')
        ? '  playground  off in production (GRAPHIQL=true turns it on)'
        : `  playground  http://localhost:${port}/graphiql`,
      `  health      http://localhost:${port}/healthz   readiness http://localhost:${port}/readyz`,
      ...subgraphRegistry.map(
        (s) => `  ${s.name.padEnd(11)} http://localhost:${s.port}/graphql (subgraph)`,
      ),
      `  metrics     http://localhost:${metricsPort('gateway')}/metrics (gateway)`,
      ...subgraphRegistry.map(
        (s) => `              http://localhost:${metricsPort(s.name)}/metrics (${s.name})`,
      ),
      ...stores.embedded.map((line) => `  embedded    ${line}`),
      `  cache       ${storeConfig.redisUrl ? 'Redis' : 'in-process LRU (set REDIS_URL for Redis)'}`,
      `  events      ${storeConfig.redisUrl ? 'Redis pub/sub' : 'pushed to the gateway (set REDIS_URL for Redis pub/sub)'}`,
      ...(stores.cognito?.endpoint
        ? [
            `  admin       ${DEV_ADMIN_EMAIL} / ${storeConfig.devAdminPassword} (DEV_ADMIN_PASSWORD)`,
          ]
        : []),
      '',
      'Press Ctrl-C to stop.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } catch (error) {
    logger.error('start failed', { error: error instanceof Error ? error.message : String(error) });
    await stop(1);
  }
});
