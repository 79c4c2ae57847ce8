/**
 * `npm run bench`: load-tests the storefront's hottest operations (catalog listing and detail,
 * search, predictive search) through this gateway and, in the same run and against the same
 * subgraph processes, through its peers: a stock @apollo/gateway (scripts/vanilla-gateway.ts) and
 * Hive Gateway with its JavaScript and its Rust query planner (scripts/bench-hive-gateway.ts).
 * Prints requests/s, p50 and p99 latency, the gateway's CPU per request and ratios ours/peer;
 * for this gateway's cases, the CPU per request of every process (gateway, each subgraph, the
 * store stand-ins, Redis) and the store round trips per request; and what the edge's checks cost
 * (this gateway again without them), and the access log and metrics likewise; then cache hits and
 * the live-update fan-out (scripts/bench-extras.ts). The catalog operations are also sent by id.
 *
 * Everything runs on free ports. The catalog has 100,000 products by default, in stores of its
 * own (DATA_DIR, default .data/bench): the first run seeds them (straight into the embedded
 * DynamoDB's LevelDB) and waits for the search index to take them all in; later runs reuse them.
 *
 *   BENCH_SECONDS (10)  BENCH_WARMUP_SECONDS (2)  BENCH_CONNECTIONS (20)  BENCH_PRODUCTS (100000)
 *   BENCH_GATEWAYS (ours,unchecked,unobserved,vanilla,hive,hive-rust)
 *   BENCH_OPERATIONS (all; names, comma separated, matched by prefix)  BENCH_PROFILE_DIR (runs ours under --cpu-prof, profile there)
 *   BENCH_EXTRAS (cache,live: cache hits against a bare server, the live-update fan-out)
 *   plus the store variables.
 */
import { createHash } from 'node:crypto';
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
import { subgraphUrlVariable } from '../subgraphs/registry';
import { freePort, stopAll, type Service } from '../dev/processes';
import { loadStoreConfig, openStores, prepareStores, serviceEnvironment } from '../dev/stores';
import { layOutByCategory } from '../subgraphs/search/src/index.repository';
import { createSearchPool } from '../subgraphs/search/src/server';
import { measureEdgeChecks } from './bench-edge';
import { runExtras } from './bench-extras';
import { measureObserverCost } from './bench-observability';
import {
  edgeTable,
  observabilityTable,
  ratioTable,
  resultsTable,
  whereTheTimeGoes,
  type Result,
} from './bench-report';
import { gatewaySpecs, startStack, type GatewayUnderTest } from './bench-stack';
import {
  dynamoCounter,
  measureUsage,
  postgresCounter,
  processProbe,
  redisCounter,
  type Counter,
  type Probe,
} from './bench-usage';

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

interface Operation {
  name: string;
  body: string;
  /** Sent by trusted-document id: only to the gateways that take one. */
  byId?: { documentId: string; persistedQuery: string };
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

runMain(async () => {
  const bench = loadConfig({
    seconds: env.int('BENCH_SECONDS', 10, { min: 1, max: 600 }),
    warmup: env.int('BENCH_WARMUP_SECONDS', 2, { min: 0, max: 600 }),
    connections: env.int('BENCH_CONNECTIONS', 20, { min: 1, max: 1_000 }),
    products: env.int('BENCH_PRODUCTS', 100_000, { min: 1, max: 1_000_000 }),
    dataDir: env.string('DATA_DIR', '.data/bench'),
    gateways: env.string('BENCH_GATEWAYS', gatewaySpecs.map((g) => g.name).join(',')),
    operations: env.string('BENCH_OPERATIONS', ''),
    profileDir: env.optionalString('BENCH_PROFILE_DIR'),
    extras: env.string('BENCH_EXTRAS', 'cache,live'),
  });
  const logger = createLogger('bench');
  const gatewayNames = list(bench.gateways);
  for (const name of gatewayNames)
    if (!gatewaySpecs.some((g) => g.name === name))
      throw new Error(`BENCH_GATEWAYS: no gateway ${name} (${gatewaySpecs.map((g) => g.name)})`);
  // The embedded stores on free ports too, unless told otherwise.
  const storePorts: Record<string, string> = {};
  for (const variable of [
    'EMBEDDED_DYNAMODB_PORT',
    'EMBEDDED_POSTGRES_PORT',
    'EMBEDDED_COGNITO_PORT',
    'EMBEDDED_SMTP_PORT',
    'EMBEDDED_S3_PORT',
  ])
    storePorts[variable] = process.env[variable] ?? String(await freePort());
  const storeConfig = {
    ...loadStoreConfig({ ...storePorts, ...process.env, DATA_DIR: bench.dataDir }),
    seedProducts: bench.products,
  };
  const stores = await openStores(storeConfig, logger, {
    dynamoProcess: true,
    postgresSettings: { shared_preload_libraries: 'pg_stat_statements' },
  });
  const services: Service[] = [];
  const counters: Counter[] = [];
  try {
    await prepareStores(storeConfig, stores, logger);
    // The gateway of the cache and live cases gets the store's events (without Redis, pushed).
    const extrasPort = await freePort();
    const shared: Record<string, string> = {
      ...serviceEnvironment(storeConfig, stores),
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      ...(storeConfig.redisUrl
        ? {}
        : { GATEWAY_EVENTS_URL: `http://127.0.0.1:${extrasPort}/internal/events` }),
    };
    const gatewayEnv: Record<string, string> = {
      ...shared,
      // The load tests measure the gateway's work: identical requests must not be cache hits.
      RESPONSE_CACHE: 'false',
      // One client address sends everything here: a budget it cannot spend, but still counted.
      RATE_LIMIT_PER_ADDRESS: '10000000',
      APOLLO_TELEMETRY_DISABLED: 'true',
    };
    const stack = await startStack(shared, gatewayEnv, gatewayNames, services, bench.profileDir);
    await waitForSearchIndex(
      stack.urls[subgraphUrlVariable('search')],
      stores.identitySecret,
      bench.products,
      logger,
    );
    await ensureSearchLayout(stores.databaseUrl, logger);

    // Every process of the stack, and the store round trips.
    const probes: Probe[] = [...stack.subgraphs.map((s) => processProbe(s.name, s.pid))];
    const dynamo = stores.embeddedDynamo;
    if (dynamo?.pid && dynamo.counts) {
      const counts = dynamo.counts.bind(dynamo);
      probes.push(processProbe('dynamodb', dynamo.pid));
      counters.push(dynamoCounter(counts));
    }
    if (stores.postgresPid) probes.push(processProbe('postgres', stores.postgresPid, true));
    counters.push(await postgresCounter(stores.databaseUrl));
    if (storeConfig.redisUrl) {
      const redis = redisCounter(storeConfig.redisUrl);
      probes.push(redis.probe);
      counters.push(redis.counter);
    }
    probes.push(processProbe('load', process.pid));

    const operations = await buildOperations(stack.gateways);
    const wanted = list(bench.operations);
    const selected = wanted.length
      ? operations.filter((o) =>
          wanted.some((w) => o.name.toLowerCase().startsWith(w.toLowerCase())),
        )
      : operations;

    const results: Result[] = [];
    const mismatches: string[] = [];
    for (const operation of selected) {
      const bodyFor = (gateway: GatewayUnderTest) =>
        operation.byId ? (gateway.byId ? operation.byId[gateway.byId] : null) : operation.body;
      const targets = stack.gateways.filter((g) => bodyFor(g) !== null);
      // Every gateway must give the same answer, without errors, or its figures mean nothing.
      const answers = await Promise.all(
        targets.map((g) => answerOf(g.url, bodyFor(g) ?? '').then((a) => `${g.name}: ${a}`)),
      );
      const distinct = new Set(answers.map((a) => a.slice(a.indexOf(':'))));
      if (distinct.size > 1 || answers.some((a) => a.includes('errors')))
        mismatches.push(`${operation.name}: ${answers.join('; ')}`);
      for (const gateway of targets) {
        // Warm caches and JIT.
        if (bench.warmup > 0)
          await load(gateway.url, bodyFor(gateway) ?? '', bench.warmup, bench.connections);
      }
      // One after the other, so drift on a shared machine hits them alike.
      for (const gateway of targets) {
        let measured: Awaited<ReturnType<typeof load>> | undefined;
        const usage = await measureUsage(
          [processProbe('gateway', gateway.pid), ...probes],
          counters,
          async () => {
            measured = await load(
              gateway.url,
              bodyFor(gateway) ?? '',
              bench.seconds,
              bench.connections,
            );
            return measured.requests;
          },
        );
        if (!measured) continue;
        results.push({ operation: operation.name, gateway: gateway.name, ...measured, ...usage });
        logger.info('case done', {
          operation: operation.name,
          gateway: gateway.name,
          rps: Math.round(measured.rps),
          p99: measured.p99,
        });
      }
    }

    const names = selected.map((o) => o.name);
    const described = stack.gateways
      .map((g) => `${g.name}: ${gatewaySpecs.find((s) => s.name === g.name)?.description}`)
      .join('; ');
    const lines = [
      '',
      `${bench.connections} connections, ${bench.seconds}s each, catalog of ${bench.products} products, cache: ${storeConfig.redisUrl ? 'Redis' : 'in-process'}`,
      described,
      '',
      mismatches.length === 0
        ? 'every gateway gave the same answer (data, no errors) to every case'
        : `ANSWERS DIFFER: ${mismatches.join(' | ')}`,
      '',
      ...resultsTable(results),
      '',
      ...ratioTable(results, names),
      '',
      // For the peers too: what the subgraphs and stores did per request through each.
      ...stack.gateways
        .filter((g) => g.name !== 'unchecked' && g.name !== 'unobserved')
        .flatMap((g) => [...whereTheTimeGoes(results, g.name, counters), '']),
      ...edgeTable(results, names),
    ];
    if (results.some((r) => r.gateway === 'unchecked')) {
      lines.push('', 'the edge checks alone, in-process   CPU µs/request');
      for (const { name, microseconds } of await measureEdgeChecks(
        selected.map((o) => ({ name: o.name, body: o.byId?.documentId ?? o.body })),
      ))
        lines.push(`${name.padEnd(36)}${microseconds.toFixed(1).padStart(14)}`);
    }
    if (results.some((r) => r.gateway === 'unobserved')) {
      const observer = measureObserverCost();
      lines.push(
        '',
        ...observabilityTable(results, names),
        '',
        'access log + metrics alone, in-process   CPU µs/request',
        `${'access log and metrics'.padEnd(36)}${observer.accessLogAndMetrics.toFixed(1).padStart(14)}`,
        `${'metrics only'.padEnd(36)}${observer.metricsOnly.toFixed(1).padStart(14)}`,
      );
    }
    lines.push(
      ...(await runExtras({
        gatewayEnv: { ...gatewayEnv, ...stack.urls },
        port: extrasPort,
        devAdminPassword: storeConfig.devAdminPassword,
        seconds: bench.seconds,
        connections: bench.connections,
        cases: list(bench.extras),
        services,
      })),
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const counter of counters) await counter.close?.().catch(() => undefined);
    await stopAll(services);
    await stores.stop();
  }
});

/** A digest of the answer's data, and its error count when it has errors. */
async function answerOf(url: string, body: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const answer = (await response.json()) as { data?: unknown; errors?: unknown[] };
  const digest = createHash('sha256')
    .update(JSON.stringify(answer.data ?? null))
    .digest('hex');
  return `${response.status} ${digest.slice(0, 12)}${answer.errors ? ` ${answer.errors.length} errors` : ''}`;
}

/** The operations, with a product slug read from the catalog for the detail page. */
async function buildOperations(gateways: readonly GatewayUnderTest[]): Promise<Operation[]> {
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
    body: '',
    byId: {
      documentId: JSON.stringify({ documentId: `sha256:${idOf(operation)}`, variables }),
      persistedQuery: JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: idOf(operation) } },
        variables,
      }),
    },
  });
  const search = (name: string, variables: Record<string, unknown>) => ({
    name,
    body: JSON.stringify({ query: print(SearchDocument), variables }),
  });
  return [
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
    search('Search (20)', { query: 'wireless headphones', first: 20 }),
    search('Search misspelt', { query: 'wirless hedphones', first: 20 }),
    search('Search filtered', {
      query: 'black',
      first: 20,
      filter: { categorySlugs: ['headphones', 'speakers'], priceMax: '250.00', inStock: true },
      sort: 'PRICE_ASC',
    }),
    {
      name: 'PredictiveSearch',
      body: JSON.stringify({
        query: print(PredictiveSearchDocument),
        variables: { query: 'wireless he', first: 5 },
      }),
    },
  ];
}

/**
 * An index filled before its documents were laid out by category (a first fill or reindex does
 * it since migration 004) is laid out now, as a reindex would: the figures are for that layout.
 */
async function ensureSearchLayout(databaseUrl: string, logger: ReturnType<typeof createLogger>) {
  const pool = createSearchPool(databaseUrl, 'search', 2);
  try {
    const { rows } = await pool.query<{ clustered: boolean }>(
      `SELECT indisclustered AS clustered FROM pg_index
        WHERE indexrelid = 'documents_category_idx'::regclass`,
    );
    if (rows[0]?.clustered) return;
    const started = Date.now();
    await layOutByCategory(pool);
    logger.info('search documents laid out by category', { ms: Date.now() - started });
  } finally {
    await pool.end();
  }
}

/**
 * Waits until the search service has indexed the whole catalog (it reads the catalog's change
 * feed from the start on its first run), reporting progress.
 */
async function waitForSearchIndex(
  url: string,
  secret: string,
  products: number,
  logger: ReturnType<typeof createLogger>,
) {
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
