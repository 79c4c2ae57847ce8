/**
 * A service's metrics endpoint and settings. Metrics are served on their own port
 * (`METRICS_PORT`; 9400 the gateway, 9401–9405 the subgraphs), never on the public one, so the
 * load balancer cannot reach them. `METRICS_FORMAT=emf` also writes them to stdout as
 * CloudWatch Embedded Metric Format lines (common/emf.ts); `ACCESS_LOG=false` turns the access
 * log off. main.ts calls `startObservability` first thing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics } from 'prom-client';
import { env, loadConfig } from './config';
import { startEmf } from './emf';
import type { Logger } from './logger';
import { register, setProcessService } from './metrics';
import { onStop } from './shutdown';

/** Each service's default metrics port (deploy/ opens the same). */
export const METRICS_PORTS: Readonly<Record<string, number>> = {
  gateway: 9400,
  product: 9401,
  order: 9402,
  user: 9403,
  cart: 9404,
  search: 9405,
};

export function loadObservabilityConfig(
  service: string,
  source: Record<string, string | undefined> = process.env,
) {
  return loadConfig(
    {
      metricsPort: env.port('METRICS_PORT', METRICS_PORTS[service] ?? 0),
      metricsFormat: env.oneOf('METRICS_FORMAT', ['prometheus', 'emf'] as const, 'prometheus'),
      accessLog: env.bool('ACCESS_LOG', true),
    },
    source,
  );
}

export type ObservabilityConfig = ReturnType<typeof loadObservabilityConfig>;

let runtimeMetrics = false;

/** prom-client's Node.js metrics (event-loop lag, heap, GC, CPU, handles), once per process. */
export function collectRuntimeMetrics(): void {
  if (runtimeMetrics) return;
  runtimeMetrics = true;
  collectDefaultMetrics({ register });
}

export interface MetricsServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves the default registry on `GET /metrics` of `port` (0: a free one); anything else is 404. */
export async function startMetricsServer(port: number, host = '0.0.0.0'): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    url: `http://localhost:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

export interface Observability {
  config: ObservabilityConfig;
  metrics: MetricsServer;
  /** The access log's logger, or null when ACCESS_LOG=false. */
  accessLog: Logger | null;
}

/**
 * Starts what a service process reports: its runtime metrics, the metrics endpoint, EMF lines
 * when asked for. Stopped with the process (common/shutdown.ts).
 */
export async function startObservability(service: string, logger: Logger): Promise<Observability> {
  const config = loadObservabilityConfig(service);
  setProcessService(service);
  collectRuntimeMetrics();
  const metrics = await startMetricsServer(config.metricsPort);
  const emf = config.metricsFormat === 'emf' ? startEmf({ service }) : null;
  onStop(async () => {
    await emf?.stop();
    await metrics.close();
  });
  logger.info('metrics listening', { url: metrics.url, format: config.metricsFormat });
  return { config, metrics, accessLog: config.accessLog ? logger : null };
}
