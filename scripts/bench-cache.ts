/**
 * What a response-cache hit costs: ProductDetail and ProductListing sent by document id over GET
 * (as a CDN forwards them) to the gateway, which answers from its cache, against a bare node:http
 * server, in a process of its own, sending the same bytes with the same headers. Prints both
 * req/s and latencies, ours as a percentage of the bare server's, and the gateway's CPU per hit.
 *
 * `benchCacheHits` measures a running gateway (npm run bench calls it); run on its own,
 * `node dist/scripts/bench-cache.js` starts its own stores (DATA_DIR, default .data/bench-cache,
 * BENCH_PRODUCTS products, 2,000 by default), subgraphs on ports BENCH_CACHE_PORT (4700) + 1…5 and
 * a gateway on BENCH_CACHE_PORT, with its cache in Redis when REDIS_URL is set.
 *
 *   BENCH_SECONDS (10)  BENCH_CONNECTIONS (20)  BENCH_PRODUCTS (2000)  BENCH_CACHE_PORT (4700)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { env, loadConfig, runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { projectPath } from '../common/paths';
import { buildManifest } from '../gateway/src/trusted-documents';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';
import { launch, stopAll, waitReady, type Service } from '../dev/processes';
import { loadStoreConfig, openStores, prepareStores, serviceEnvironment } from '../dev/stores';

export interface CacheHitOptions {
  /** /graphql of a gateway with its response cache on. */
  gatewayUrl: string;
  /** The gateway's process, to measure its CPU per hit (omitted: not measured). */
  gatewayPid?: number;
  /** A product's slug, for ProductDetail. */
  slug: string;
  seconds: number;
  connections: number;
}

export interface CacheHitResult {
  operation: string;
  /** Requests a second, latency percentiles in ms, and non-2xx answers or errors. */
  ours: { rps: number; p50: number; p99: number; errors: number };
  bare: { rps: number; p50: number; p99: number; errors: number };
  /** Ours as a percentage of the bare server's req/s (goal: at least 25). */
  percentOfBare: number;
  /** The gateway's CPU (user + system) per hit, in microseconds; null when not measured. */
  gatewayCpuMicroseconds: number | null;
  /** The bare server's CPU per request, in microseconds: what the HTTP alone costs. */
  bareCpuMicroseconds: number;
  /** Bytes of the body each sent. */
  bodyBytes: number;
}

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const HEADERS = { 'apollo-require-preflight': 'true' };

async function load(url: string, seconds: number, connections: number) {
  const result = await autocannon({ url, headers: HEADERS, connections, duration: seconds });
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** The bare server: a child process answering every request with one status, headers and body. */
const BARE_SERVER = `
const http = require('node:http');
process.once('message', ({ status, headers, body }) => {
  const server = http.createServer((req, res) => { res.writeHead(status, headers); res.end(body); });
  server.keepAliveTimeout = 65000;
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
});
`;

async function startBare(status: number, headers: Record<string, string>, body: string) {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve(Number(message)));
    child.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
    child.send({ status, headers, body });
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid ?? 0,
    stop: () => new Promise<void>((resolve) => (child.kill(), child.once('exit', () => resolve()))),
  };
}

/** Headers the bare server sends as they are (the connection's own are its business). */
const PER_CONNECTION = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

export async function benchCacheHits(options: CacheHitOptions): Promise<CacheHitResult[]> {
  const ids = new Map(
    buildManifest(projectPath('schema', 'operations')).operations.map((o) => [o.name, o.id]),
  );
  const cases = [
    { operation: 'ProductDetail', variables: { slug: options.slug } },
    { operation: 'ProductListing', variables: { first: 20 } },
  ];
  const results: CacheHitResult[] = [];
  for (const { operation, variables } of cases) {
    const query = new URLSearchParams({
      documentId: `sha256:${ids.get(operation) ?? ''}`,
      variables: JSON.stringify(variables),
    });
    const url = `${options.gatewayUrl}?${query.toString()}`;
    let sample: Response | null = null;
    for (let i = 0; i < 50 && !/; hit;/.test(sample?.headers.get('cache-status') ?? ''); i++) {
      sample = await fetch(url, { headers: HEADERS });
      await sample.arrayBuffer();
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!sample || !/; hit;/.test(sample.headers.get('cache-status') ?? ''))
      throw new Error(`${operation} is not served from the response cache`);
    const response = await fetch(url, { headers: HEADERS });
    const body = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!PER_CONNECTION.has(name)) headers[name] = value;
    });
    const bare = await startBare(response.status, headers, body);
    try {
      // Warm both (JIT, connections), then measure one after the other.
      await load(url, 2, options.connections);
      await load(bare.url, 2, options.connections);
      const cpuBefore = options.gatewayPid ? cpuMs(options.gatewayPid) : 0;
      const { requests, ...ours } = await load(url, options.seconds, options.connections);
      const cpu = options.gatewayPid ? cpuMs(options.gatewayPid) - cpuBefore : null;
      const bareBefore = cpuMs(bare.pid);
      const { requests: bareRequests, ...bareResult } = await load(
        bare.url,
        options.seconds,
        options.connections,
      );
      const bareCpu = cpuMs(bare.pid) - bareBefore;
      results.push({
        operation,
        ours,
        bare: bareResult,
        percentOfBare: (100 * ours.rps) / bareResult.rps,
        gatewayCpuMicroseconds: cpu === null || requests === 0 ? null : (cpu * 1000) / requests,
        bareCpuMicroseconds: bareRequests === 0 ? 0 : (bareCpu * 1000) / bareRequests,
        bodyBytes: Buffer.byteLength(body),
      });
    } finally {
      await bare.stop();
    }
  }
  return results;
}

export function formatCacheHits(results: readonly CacheHitResult[], connections: number): string {
  const lines = [
    `cache hits by GET document id, ${connections} connections: ours vs a bare node:http server sending the same bytes`,
    'operation        bytes   ours req/s  p50  p99   bare req/s  p50  p99   ours/bare   CPU µs/req: gateway  bare',
  ];
  for (const r of results) {
    lines.push(
      `${r.operation.padEnd(15)}${String(r.bodyBytes).padStart(7)}${r.ours.rps.toFixed(0).padStart(13)}${String(r.ours.p50).padStart(5)}${String(r.ours.p99).padStart(5)}${r.bare.rps.toFixed(0).padStart(13)}${String(r.bare.p50).padStart(5)}${String(r.bare.p99).padStart(5)}${`${r.percentOfBare.toFixed(0)} %`.padStart(12)}${(r.gatewayCpuMicroseconds?.toFixed(0) ?? 'n/a').padStart(21)}${r.bareCpuMicroseconds.toFixed(0).padStart(6)}`,
    );
    if (r.ours.errors + r.bare.errors > 0)
      lines.push(`  errors: ours ${r.ours.errors}, bare ${r.bare.errors}`);
  }
  return lines.join('\n');
}

/** On its own: a small store of its own, the five subgraphs and a gateway, then the hits. */
async function main(): Promise<void> {
  const bench = loadConfig({
    seconds: env.int('BENCH_SECONDS', 10, { min: 1, max: 600 }),
    connections: env.int('BENCH_CONNECTIONS', 20, { min: 1, max: 1_000 }),
    products: env.int('BENCH_PRODUCTS', 2_000, { min: 1, max: 1_000_000 }),
    dataDir: env.string('DATA_DIR', '.data/bench-cache'),
    port: env.port('BENCH_CACHE_PORT', 4700),
  });
  const logger = createLogger('bench-cache');
  const storeConfig = {
    ...loadStoreConfig({
      EMBEDDED_DYNAMODB_PORT: String(bench.port + 66),
      EMBEDDED_POSTGRES_PORT: String(bench.port + 50_000),
      EMBEDDED_COGNITO_PORT: String(bench.port + 29),
      EMBEDDED_SMTP_PORT: String(bench.port + 25),
      ...process.env,
      DATA_DIR: bench.dataDir,
    }),
    seedProducts: bench.products,
  };
  const stores = await openStores(storeConfig, logger);
  const services: Service[] = [];
  try {
    await prepareStores(storeConfig, stores, logger);
    const shared: Record<string, string> = {
      ...serviceEnvironment(storeConfig, stores),
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      ...Object.fromEntries(
        subgraphRegistry.map((s, i) => [
          subgraphUrlVariable(s.name),
          `http://127.0.0.1:${bench.port + 1 + i}/graphql`,
        ]),
      ),
    };
    for (const [i, subgraph] of subgraphRegistry.entries()) {
      const port = bench.port + 1 + i;
      const service = launch(subgraph.name, subgraph.entry, { ...shared, PORT: String(port) });
      services.push(service);
      await waitReady(service, `http://127.0.0.1:${port}`);
    }
    const gateway = launch('gateway', 'dist/gateway/src/main.js', {
      ...shared,
      PORT: String(bench.port),
      RATE_LIMIT_PER_ADDRESS: '10000000',
      RESPONSE_CACHE_PREFIX: `bench:${randomBytes(4).toString('hex')}:`,
    });
    services.push(gateway);
    await waitReady(gateway, `http://127.0.0.1:${bench.port}`);
    const gatewayUrl = `http://127.0.0.1:${bench.port}/graphql`;
    const first = (await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products(first: 1) { nodes { slug } } }' }),
    }).then((r) => r.json())) as { data: { products: { nodes: { slug: string }[] } } };
    const results = await benchCacheHits({
      gatewayUrl,
      gatewayPid: gateway.child.pid,
      slug: first.data.products.nodes[0].slug,
      seconds: bench.seconds,
      connections: bench.connections,
    });
    process.stdout.write(
      `\ncatalog of ${bench.products} products, cache ${storeConfig.redisUrl ? 'in Redis' : 'in-process'}\n${formatCacheHits(results, bench.connections)}\n`,
    );
  } finally {
    await stopAll(services);
    await stores.stop();
  }
}

if (require.main === module) runMain(main);
