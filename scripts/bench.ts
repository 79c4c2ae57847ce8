/**
 * `npm run bench`: load-tests the storefront's hottest operations (catalog listing and detail,
 * search, predictive search) through this gateway and, in the same run and against the same
 * subgraph processes, through a stock @apollo/gateway. Prints requests/s, p50 and p99 latency,
 * and the ratio ours/vanilla. The catalog operations are also sent by document id (trusted
 * documents), and every operation also goes through this gateway without the edge's checks
 * (trusted-document look-up, limits, rate limits, input checks), to say what those cost.
 *
 * The catalog has 100,000 products by default, in stores of its own (DATA_DIR, default
 * .data/bench): the first run seeds them and waits for the search index to take them all in
 * (several minutes); later runs reuse them.
 *
 *   BENCH_SECONDS (10)  BENCH_CONNECTIONS (20)  BENCH_PRODUCTS (100000)  plus the store variables.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { print } from 'graphql';
import { env, loadConfig, runMain } from '../common/config';
import { anonymous } from '../common/identity';
import { createLogger } from '../common/logger';
import { callSubgraph } from '../common/subgraph-client';
import { buildManifest } from '../gateway/src/trusted-documents';
import { projectPath } from '../common/paths';
import {
  PredictiveSearchDocument,
  ProductDetailDocument,
  ProductListingDocument,
  SearchDocument,
} from '../schema/generated/operations';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';
import { launch, stopAll, waitReady, type Service } from '../dev/processes';
import { loadStoreConfig, openStores, prepareStores, serviceEnvironment } from '../dev/stores';
import { measureEdgeChecks } from './bench-edge';

interface Result {
  operation: string;
  gateway: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time the gateway process spent per request, in microseconds. */
  cpuPerRequest: number;
}

/**
 * CPU time (user + system) a process has used so far, in milliseconds. On a small shared machine
 * this is steadier than requests per second: it is what the gateway itself costs per request,
 * whatever else competes for the cores.
 */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

async function load(url: string, body: string, seconds: number, connections: number) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

runMain(async () => {
  const bench = loadConfig({
    seconds: env.int('BENCH_SECONDS', 10, { min: 1, max: 600 }),
    connections: env.int('BENCH_CONNECTIONS', 20, { min: 1, max: 1_000 }),
    products: env.int('BENCH_PRODUCTS', 100_000, { min: 1, max: 1_000_000 }),
    dataDir: env.string('DATA_DIR', '.data/bench'),
  });
  const logger = createLogger('bench');
  const storeConfig = {
    ...loadStoreConfig({ ...process.env, DATA_DIR: bench.dataDir }),
    seedProducts: bench.products,
  };
  const stores = await openStores(storeConfig, logger);
  const services: Service[] = [];
  try {
    await prepareStores(storeConfig, stores, logger);
    // Every service on its port + 500, and told where the others are (they call each other).
    const benchPort = (port: number) => port + 500;
    const shared: Record<string, string> = {
      ...serviceEnvironment(storeConfig, stores),
      LOG_LEVEL: 'warn',
      ...Object.fromEntries(
        subgraphRegistry.map((s) => [
          subgraphUrlVariable(s.name),
          `http://127.0.0.1:${benchPort(s.port)}/graphql`,
        ]),
      ),
    };
    const gatewayEnv: Record<string, string> = {
      ...shared,
      // One client address sends everything here: a budget it cannot spend, but still counted.
      RATE_LIMIT_PER_ADDRESS: '10000000',
      APOLLO_TELEMETRY_DISABLED: 'true',
    };
    for (const subgraph of subgraphRegistry) {
      const port = benchPort(subgraph.port);
      const service = launch(
        subgraph.name,
        subgraph.entry,
        { ...shared, PORT: String(port) },
        { quiet: true },
      );
      services.push(service);
      await waitReady(service, `http://127.0.0.1:${port}`);
    }
    const ours = launch(
      'gateway',
      'dist/gateway/src/main.js',
      { ...gatewayEnv, PORT: '4400' },
      { quiet: true },
    );
    const vanilla = launch(
      'vanilla gateway',
      'dist/scripts/vanilla-gateway.js',
      { ...gatewayEnv, PORT: '4401', NODE_ENV: 'production' },
      { quiet: true },
    );
    const unchecked = launch(
      'gateway without checks',
      'dist/scripts/bench-gateway.js',
      { ...gatewayEnv, PORT: '4402' },
      { quiet: true },
    );
    services.push(ours, vanilla, unchecked);
    await waitReady(ours, 'http://127.0.0.1:4400');
    await waitReady(vanilla, 'http://127.0.0.1:4401', '/graphql?query=%7B__typename%7D');
    await waitReady(unchecked, 'http://127.0.0.1:4402');

    await waitForSearchIndex(gatewayEnv, bench.products, logger);

    const gateways = [
      { name: 'ours', url: 'http://127.0.0.1:4400/graphql', pid: ours.child.pid },
      { name: 'unchecked', url: 'http://127.0.0.1:4402/graphql', pid: unchecked.child.pid },
      { name: 'vanilla', url: 'http://127.0.0.1:4401/graphql', pid: vanilla.child.pid },
    ];
    const ids = new Map(
      buildManifest(projectPath('schema', 'operations')).operations.map((o) => [o.name, o.id]),
    );
    const idOf = (name: string) => {
      const id = ids.get(name);
      if (!id) throw new Error(`${name} is not a registered operation`);
      return id;
    };
    const first = await fetch(gateways[0].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(ProductListingDocument), variables: { first: 1 } }),
    }).then(
      (r) => r.json() as Promise<{ data: { products: { edges: { node: { slug: string } }[] } } }>,
    );
    const slug = first.data.products.edges[0].node.slug;
    /** The same operation by id: `documentId` at ours, Apollo's hash where the edge is off. */
    const byId = (name: string, operation: string, variables: Record<string, unknown>) => ({
      name,
      byId: true,
      body: JSON.stringify({ documentId: `sha256:${idOf(operation)}`, variables }),
      uncheckedBody: JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: idOf(operation) } },
        variables,
      }),
    });
    const operations: { name: string; body: string; byId?: boolean; uncheckedBody?: string }[] = [
      byId('ProductListing by id', 'ProductListing', { first: 20 }),
      byId('ProductDetail by id', 'ProductDetail', { slug }),
      {
        name: 'ProductListing (20)',
        body: JSON.stringify({ query: print(ProductListingDocument), variables: { first: 20 } }),
      },
      {
        name: 'ProductDetail',
        body: JSON.stringify({ query: print(ProductDetailDocument), variables: { slug } }),
      },
      {
        name: 'Search (20)',
        body: JSON.stringify({
          query: print(SearchDocument),
          variables: { query: 'wireless headphones', first: 20 },
        }),
      },
      {
        name: 'Search misspelt',
        body: JSON.stringify({
          query: print(SearchDocument),
          variables: { query: 'wirless hedphones', first: 20 },
        }),
      },
      {
        name: 'Search filtered',
        body: JSON.stringify({
          query: print(SearchDocument),
          variables: {
            query: 'black',
            first: 20,
            filter: {
              categorySlugs: ['headphones', 'speakers'],
              priceMax: '250.00',
              inStock: true,
            },
            sort: 'PRICE_ASC',
          },
        }),
      },
      {
        name: 'PredictiveSearch',
        body: JSON.stringify({
          query: print(PredictiveSearchDocument),
          variables: { query: 'wireless he', first: 5 },
        }),
      },
    ];

    const results: Result[] = [];
    for (const operation of operations) {
      // A stock gateway knows no document ids.
      const targets = gateways.filter((g) => !(operation.byId && g.name === 'vanilla'));
      const bodyFor = (gateway: (typeof gateways)[number]) =>
        gateway.name === 'unchecked' && operation.uncheckedBody
          ? operation.uncheckedBody
          : operation.body;
      for (const gateway of targets) {
        await load(gateway.url, bodyFor(gateway), 2, bench.connections); // warm caches and JIT
      }
      // One after the other, so drift on a shared machine hits them alike.
      for (const gateway of targets) {
        const cpuBefore = cpuMs(gateway.pid);
        const { requests, ...measured } = await load(
          gateway.url,
          bodyFor(gateway),
          bench.seconds,
          bench.connections,
        );
        const cpuPerRequest =
          requests > 0 ? ((cpuMs(gateway.pid) - cpuBefore) * 1000) / requests : 0;
        results.push({
          operation: operation.name,
          gateway: gateway.name,
          ...measured,
          cpuPerRequest,
        });
      }
    }

    const lines = [
      '',
      `${bench.connections} connections, ${bench.seconds}s each, catalog of ${bench.products} products, cache: ${storeConfig.redisUrl ? 'Redis' : 'in-process'}`,
      '',
      'operation             gateway      req/s     p50 ms   p99 ms   errors   gateway CPU µs/req',
    ];
    for (const r of results) {
      lines.push(
        `${r.operation.padEnd(22)}${r.gateway.padEnd(11)}${r.rps.toFixed(0).padStart(7)}${String(r.p50).padStart(10)}${String(r.p99).padStart(9)}${String(r.errors).padStart(9)}${r.cpuPerRequest.toFixed(0).padStart(21)}`,
      );
    }
    lines.push('', 'ratio ours/vanilla    req/s     p50      p99   gateway CPU/req');
    for (const operation of operations) {
      const a = results.find((r) => r.operation === operation.name && r.gateway === 'ours');
      const b = results.find((r) => r.operation === operation.name && r.gateway === 'vanilla');
      if (!a || !b) continue;
      lines.push(
        `${operation.name.padEnd(22)}${(a.rps / b.rps).toFixed(2).padStart(5)}${(a.p50 / b.p50).toFixed(2).padStart(9)}${(a.p99 / b.p99).toFixed(2).padStart(9)}${(a.cpuPerRequest / b.cpuPerRequest).toFixed(2).padStart(18)}`,
      );
    }
    lines.push(
      '',
      'the edge checks       p50 ms with/without   gateway CPU µs/req with/without (cost)',
    );
    for (const operation of operations) {
      const a = results.find((r) => r.operation === operation.name && r.gateway === 'ours');
      const b = results.find((r) => r.operation === operation.name && r.gateway === 'unchecked');
      if (!a || !b) continue;
      const cost = a.cpuPerRequest - b.cpuPerRequest;
      lines.push(
        `${operation.name.padEnd(22)}${`${a.p50} / ${b.p50}`.padStart(14)}${`${a.cpuPerRequest.toFixed(0)} / ${b.cpuPerRequest.toFixed(0)} (${cost >= 0 ? '+' : ''}${cost.toFixed(0)})`.padStart(32)}`,
      );
    }
    lines.push('', 'the edge checks alone, in-process   CPU µs/request');
    for (const { name, microseconds } of await measureEdgeChecks(operations))
      lines.push(`${name.padEnd(36)}${microseconds.toFixed(1).padStart(14)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopAll(services);
    await stores.stop();
  }
});

/**
 * Waits until the search service has indexed the whole catalog (it reads the catalog's change
 * feed from the start on its first run), reporting progress.
 */
async function waitForSearchIndex(
  gatewayEnv: Record<string, string>,
  products: number,
  logger: ReturnType<typeof createLogger>,
) {
  const url = gatewayEnv[subgraphUrlVariable('search')];
  const secret = gatewayEnv.INTERNAL_IDENTITY_SECRET;
  const started = Date.now();
  let last = -1;
  for (;;) {
    const data = await callSubgraph<{ search: { totalCount: number } }>(
      'search',
      { url, identitySecret: secret },
      anonymous,
      'query { search(query: "", first: 0) { totalCount } }',
      {},
    ).catch(() => null);
    const indexed = data?.search.totalCount ?? 0;
    if (indexed >= products) break;
    if (indexed !== last) logger.info('waiting for the search index', { indexed, of: products });
    last = indexed;
    if (Date.now() - started > 30 * 60_000) throw new Error('the search index did not fill up');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  logger.info('search index ready', { products, ms: Date.now() - started });
}
