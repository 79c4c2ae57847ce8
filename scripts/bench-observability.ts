/**
 * What the access log and the request metrics cost per request at the gateway: the same
 * operations through two gateways over the same subgraphs, one as deployed (access log on at
 * `info`, request metrics, a metrics endpoint) and one with both off
 * (scripts/bench-observability-gateway.ts), one after the other in one run; p50 latency and the
 * gateway's CPU time per request for each. Runs alone (`node dist/scripts/bench-observability.js`,
 * after `npm run build`) on a small catalog of its own in `.data/bench-observability`, or from
 * another script through `benchObservability()`.
 */
import { openSync, readFileSync, writeSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { noteErrorCode } from '../common/access-log';
import { gatewayObserver } from '../gateway/src/metrics';
import autocannon from 'autocannon';
import { print } from 'graphql';
import { env, loadConfig, runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { projectPath } from '../common/paths';
import { buildManifest } from '../gateway/src/trusted-documents';
import { ProductDetailDocument, SearchDocument } from '../schema/generated/operations';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';
import { launch, stopAll, waitReady, type Service } from '../dev/processes';
import { loadStoreConfig, openStores, prepareStores, serviceEnvironment } from '../dev/stores';

export interface ObservabilityBenchOptions {
  /** Seconds of load per operation and gateway (default 5). */
  seconds?: number;
  connections?: number;
  /** Products in the bench catalog (default 500). */
  products?: number;
  dataDir?: string;
  /** The gateways' ports (the subgraphs take the ones after them); default 4710. */
  basePort?: number;
}

export interface Measured {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU time (user + system) of the gateway process per request, in microseconds. */
  cpuMicrosPerRequest: number;
}

export interface ObservabilityCost {
  operation: string;
  /** Access log and metrics on, as deployed. */
  on: Measured;
  /** Both off. */
  off: Measured;
}

/** CPU time a process has used so far, in milliseconds (from /proc, 100 ticks a second). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

async function measure(
  url: string,
  body: string,
  seconds: number,
  connections: number,
  pid?: number,
): Promise<Measured> {
  const before = cpuMs(pid);
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollographql-client-name': 'bench' },
    body,
    connections,
    duration: seconds,
  });
  const requests = result.requests.total;
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    cpuMicrosPerRequest: requests > 0 ? ((cpuMs(pid) - before) * 1000) / requests : 0,
  };
}

export async function benchObservability(
  options: ObservabilityBenchOptions = {},
): Promise<ObservabilityCost[]> {
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 10;
  const products = options.products ?? 500;
  const base = options.basePort ?? 4710;
  const logger = createLogger('bench');
  const storeConfig = {
    ...loadStoreConfig({
      ...process.env,
      DATA_DIR: options.dataDir ?? '.data/bench-observability',
    }),
    seedProducts: products,
  };
  const stores = await openStores(storeConfig, logger);
  const services: Service[] = [];
  try {
    await prepareStores(storeConfig, stores, logger);
    const port = (i: number) => base + 2 + i;
    const shared: Record<string, string> = {
      ...serviceEnvironment(storeConfig, stores),
      LOG_LEVEL: 'info',
      METRICS_PORT: '0',
      ...Object.fromEntries(
        subgraphRegistry.map((s, i) => [
          subgraphUrlVariable(s.name),
          `http://127.0.0.1:${port(i)}/graphql`,
        ]),
      ),
    };
    for (const [i, subgraph] of subgraphRegistry.entries()) {
      const service = launch(
        subgraph.name,
        subgraph.entry,
        { ...shared, PORT: String(port(i)) },
        { quiet: true },
      );
      services.push(service);
      await waitReady(service, `http://127.0.0.1:${port(i)}`);
    }
    const gatewayEnv = { ...shared, RATE_LIMIT_PER_ADDRESS: '10000000' };
    const on = launch(
      'gateway',
      'dist/gateway/src/main.js',
      { ...gatewayEnv, PORT: String(base) },
      { quiet: true },
    );
    const off = launch(
      'gateway without access log and metrics',
      'dist/scripts/bench-observability-gateway.js',
      { ...gatewayEnv, PORT: String(base + 1) },
      { quiet: true },
    );
    services.push(on, off);
    await Promise.all([
      waitReady(on, `http://127.0.0.1:${base}`),
      waitReady(off, `http://127.0.0.1:${base + 1}`),
    ]);
    const gateways = [
      { name: 'on' as const, url: `http://127.0.0.1:${base}/graphql`, pid: on.child.pid },
      { name: 'off' as const, url: `http://127.0.0.1:${base + 1}/graphql`, pid: off.child.pid },
    ];
    const ids = new Map(
      buildManifest(projectPath('schema', 'operations')).operations.map((o) => [o.name, o.id]),
    );
    const listing = await fetch(gateways[0].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        documentId: `sha256:${ids.get('ProductListing')}`,
        variables: { first: 1 },
      }),
    }).then(
      (r) => r.json() as Promise<{ data: { products: { edges: { node: { slug: string } }[] } } }>,
    );
    const slug = listing.data.products.edges[0].node.slug;
    const operations = [
      {
        name: 'ProductListing by id',
        body: JSON.stringify({
          documentId: `sha256:${ids.get('ProductListing')}`,
          variables: { first: 20 },
        }),
      },
      {
        name: 'ProductDetail',
        body: JSON.stringify({ query: print(ProductDetailDocument), variables: { slug } }),
      },
      {
        name: 'Search (20)',
        body: JSON.stringify({
          query: print(SearchDocument),
          variables: { query: 'black', first: 20 },
        }),
      },
    ];
    const results: ObservabilityCost[] = [];
    for (const operation of operations) {
      for (const g of gateways) await measure(g.url, operation.body, 1, connections); // warm up
      // Alternating, so drift on a shared machine hits both alike.
      const runs: Record<'on' | 'off', Measured[]> = { on: [], off: [] };
      for (let round = 0; round < 2; round++)
        for (const g of round === 0 ? gateways : [...gateways].reverse())
          runs[g.name].push(await measure(g.url, operation.body, seconds / 2, connections, g.pid));
      const merge = (m: Measured[]): Measured => ({
        rps: (m[0].rps + m[1].rps) / 2,
        p50Ms: (m[0].p50Ms + m[1].p50Ms) / 2,
        p99Ms: Math.max(m[0].p99Ms, m[1].p99Ms),
        errors: m[0].errors + m[1].errors,
        cpuMicrosPerRequest: (m[0].cpuMicrosPerRequest + m[1].cpuMicrosPerRequest) / 2,
      });
      results.push({ operation: operation.name, on: merge(runs.on), off: merge(runs.off) });
    }
    return results;
  } finally {
    await stopAll(services);
    await stores.stop();
  }
}

/**
 * The access log and request metrics alone, in this process: CPU microseconds per request of the
 * gateway's observer (scope, request id, trace context, metrics, one JSON line written to
 * /dev/null) around a handler that does nothing, less the handler alone. A load test's CPU per
 * request varies by more than this on a shared machine; this isolates it.
 */
export function measureObserverCost(iterations = 20_000): {
  accessLogAndMetrics: number;
  metricsOnly: number;
} {
  const known = new Set(['ProductListing']);
  const devNull = createLogger('gateway', { destination: pinoNull() });
  const withLog = gatewayObserver(known, devNull);
  const metricsOnly = gatewayObserver(known, null);
  const run = (
    observe: ((req: IncomingMessage, res: ServerResponse, handle: () => unknown) => void) | null,
  ) => {
    const started = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      const req = new IncomingMessage(new Socket());
      req.method = 'POST';
      req.url = '/graphql';
      req.headers = { 'content-type': 'application/json', 'apollographql-client-name': 'bench' };
      const res = new ServerResponse(req);
      const handle = () => {
        if (i % 100 === 0) noteErrorCode('BAD_USER_INPUT');
        res.statusCode = 200;
        res.emit('close');
      };
      if (observe) observe(req, res, handle);
      else handle();
    }
    const used = process.cpuUsage(started);
    return (used.user + used.system) / iterations;
  };
  run(withLog); // warm up
  run(null);
  const bare = Math.min(run(null), run(null));
  return {
    accessLogAndMetrics: Math.min(run(withLog), run(withLog)) - bare,
    metricsOnly: Math.min(run(metricsOnly), run(metricsOnly)) - bare,
  };
}

function pinoNull() {
  const fd = openSync('/dev/null', 'w');
  return { write: (line: string) => void writeSync(fd, line) };
}

export function formatObservabilityCosts(results: readonly ObservabilityCost[]): string {
  const lines = [
    'access log + metrics    p50 ms on / off     gateway CPU µs/req on / off (cost)   req/s on / off   errors',
  ];
  for (const r of results) {
    const cost = r.on.cpuMicrosPerRequest - r.off.cpuMicrosPerRequest;
    lines.push(
      `${r.operation.padEnd(22)}${`${r.on.p50Ms.toFixed(1)} / ${r.off.p50Ms.toFixed(1)}`.padStart(17)}${`${r.on.cpuMicrosPerRequest.toFixed(0)} / ${r.off.cpuMicrosPerRequest.toFixed(0)} (${cost >= 0 ? '+' : ''}${cost.toFixed(0)})`.padStart(32)}${`${r.on.rps.toFixed(0)} / ${r.off.rps.toFixed(0)}`.padStart(20)}${String(r.on.errors + r.off.errors).padStart(9)}`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  runMain(async () => {
    const options = loadConfig({
      seconds: env.int('BENCH_SECONDS', 6, { min: 2, max: 600 }),
      connections: env.int('BENCH_CONNECTIONS', 10, { min: 1, max: 1_000 }),
      products: env.int('BENCH_PRODUCTS', 500, { min: 1, max: 1_000_000 }),
    });
    const results = await benchObservability(options);
    const alone = measureObserverCost();
    process.stdout.write(
      `\n${options.connections} connections, ${options.seconds}s per operation and gateway, ${options.products} products\n${formatObservabilityCosts(results)}\n\n` +
        `in-process, CPU µs per request: access log + metrics ${alone.accessLogAndMetrics.toFixed(1)}, metrics alone ${alone.metricsOnly.toFixed(1)}\n`,
    );
  });
}
