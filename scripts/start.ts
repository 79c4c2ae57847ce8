/**
 * `npm start`: the whole store on one machine with nothing configured. Starts embedded stores
 * for what is not configured, seeds the demo catalog on first start, runs every subgraph as its
 * own process (as in production) and the gateway in front. Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { env, loadConfig, runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { projectPath } from '../common/paths';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';
import { loadStoreConfig, openStores, prepareStores, type Stores } from './stores';

const logger = createLogger('start');

interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function launch(name: string, entry: string, environment: Record<string, string>): Service {
  const child = spawn(process.execPath, ['--enable-source-maps', projectPath(entry)], {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, exited };
}

async function waitReady(name: string, baseUrl: string, service: Service, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void service.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${name} exited with code ${exitCode} while starting`);
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become ready within ${timeoutMs / 1000}s`);
}

runMain(async () => {
  const { port } = loadConfig({ port: env.port('PORT', 4000) });
  const storeConfig = loadStoreConfig();
  const stores: Stores = await openStores(storeConfig, logger);
  const services: Service[] = [];
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping');
    for (const service of [...services].reverse()) service.child.kill('SIGTERM');
    await Promise.race([
      Promise.all(services.map((s) => s.exited)),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
    for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGKILL');
    await stores.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    await prepareStores(storeConfig, stores, logger);
    const shared = {
      DYNAMODB_ENDPOINT: stores.dynamoEndpoint,
      DATABASE_URL: stores.databaseUrl,
      AWS_REGION: storeConfig.region,
      CATALOG_TABLE: storeConfig.table,
      ...(storeConfig.redisUrl ? { REDIS_URL: storeConfig.redisUrl } : {}),
    };
    const gatewayEnv: Record<string, string> = { PORT: String(port) };
    for (const subgraph of subgraphRegistry) {
      const service = launch(subgraph.name, subgraph.entry, { ...shared, PORT: String(subgraph.port) });
      services.push(service);
      gatewayEnv[subgraphUrlVariable(subgraph.name)] = `http://127.0.0.1:${subgraph.port}/graphql`;
    }
    await Promise.all(
      subgraphRegistry.map((s, i) => waitReady(s.name, `http://127.0.0.1:${s.port}`, services[i])),
    );
    const gateway = launch('gateway', 'dist/gateway/src/main.js', gatewayEnv);
    services.push(gateway);
    await waitReady('gateway', `http://127.0.0.1:${port}`, gateway);

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
      `  playground  http://localhost:${port}/graphiql`,
      `  health      http://localhost:${port}/healthz   readiness http://localhost:${port}/readyz`,
      ...subgraphRegistry.map((s) => `  ${s.name.padEnd(11)} http://localhost:${s.port}/graphql (subgraph)`),
      ...stores.embedded.map((line) => `  embedded    ${line}`),
      `  cache       ${storeConfig.redisUrl ? 'Redis' : 'in-process LRU (set REDIS_URL for Redis)'}`,
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
