/**
 * Prometheus metrics with prom-client, on its default registry (so that any module's metrics,
 * prom-client's Node.js runtime metrics included, are served together). The names are the ones
 * deploy/README.md lists; every series has a `service` label, taken from the request being
 * handled (common/request-scope.ts), or the process's service outside a request. No label ever
 * holds an id, an email address or anything else a client chose: operation names are the
 * persisted operations' (anything else is `other`), fields are the schema's.
 */
import { performance } from 'node:perf_hooks';
import type DataLoader from 'dataloader';
import { Counter, Gauge, Histogram, register, type Metric } from 'prom-client';
import { currentScope } from './request-scope';

export { register };

let processService = 'unknown';

/** The process's own service: the label of what it does outside a request (outbox, indexer). */
export function setProcessService(service: string): void {
  processService = service;
}

export const metricService = (): string => currentScope()?.service ?? processService;

/** One metric per name in the registry: a module loaded twice reuses the first one's. */
function once<M extends Metric>(name: string, create: () => M): M {
  return (register.getSingleMetric(name) as M | undefined) ?? create();
}

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  return once(name, () => new Counter<L>({ name, help, labelNames }));
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[] = LATENCY_BUCKETS,
) {
  return once(name, () => new Histogram<L>({ name, help, labelNames, buckets }));
}

export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: Gauge<L>) => void | Promise<void>,
) {
  return once(name, () => new Gauge<L>({ name, help, labelNames, collect }));
}

/** Seconds, from a millisecond up to the gateway's subgraph timeout. */
export const LATENCY_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10,
];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/** Seconds since `start` (a `performance.now()`). */
export const secondsSince = (start: number) => (performance.now() - start) / 1000;

// ---------------------------------------------------------------------------------------------
// A subgraph's requests and resolvers

export const subgraphRequests = counter(
  'subgraph_requests_total',
  'Requests a subgraph answered on /graphql, by outcome.',
  ['service', 'status'],
);
export const subgraphRequestDuration = histogram(
  'subgraph_request_duration_seconds',
  'From the arrival of a subgraph request to the end of its answer.',
  ['service'],
);
export const resolverCalls = counter(
  'subgraph_resolver_calls_total',
  'Root field resolutions (Query.products, Query._entities, Mutation.checkout), by outcome.',
  ['service', 'field', 'status'],
);
export const resolverDuration = histogram(
  'subgraph_resolver_duration_seconds',
  'How long a root field took to resolve (its nested fields resolve after).',
  ['service', 'field'],
);

// ---------------------------------------------------------------------------------------------
// DataLoader

const loaderBatchSize = histogram(
  'dataloader_batch_size',
  'Keys per DataLoader batch.',
  ['service', 'loader'],
  BATCH_BUCKETS,
);

/**
 * A DataLoader batch function that records its batch sizes under `loader` (the loader's name
 * in its subgraph's loaders object).
 */
export function measuredBatch<K, V>(
  loader: string,
  batch: DataLoader.BatchLoadFn<K, V>,
): DataLoader.BatchLoadFn<K, V> {
  return (keys) => {
    loaderBatchSize.observe({ service: metricService(), loader }, keys.length);
    return batch(keys);
  };
}

// ---------------------------------------------------------------------------------------------
// The stores

export const dynamoRequests = counter(
  'dynamodb_requests_total',
  'DynamoDB commands sent (each with its SDK retries), by command and outcome.',
  ['service', 'operation', 'status'],
);
export const dynamoDuration = histogram(
  'dynamodb_request_duration_seconds',
  'How long a DynamoDB command took, retries included.',
  ['service', 'operation'],
);
export const postgresQueries = counter(
  'postgres_queries_total',
  'PostgreSQL statements run, by kind (SELECT, INSERT, …) and outcome.',
  ['service', 'statement', 'status'],
);
export const postgresDuration = histogram(
  'postgres_query_duration_seconds',
  'How long a PostgreSQL statement took.',
  ['service', 'statement'],
);
export const cacheRequests = counter(
  'cache_requests_total',
  'Keys read from the shared cache, by backend (redis, memory) and result (hit, miss).',
  ['service', 'backend', 'result'],
);

/** What a pool is: its counts, read when the metrics are collected. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly ended?: boolean;
  readonly options?: { max?: number };
}

const pools = new Map<PoolCounts, string>();

gauge(
  'postgres_pool_connections',
  'PostgreSQL pool connections by state: open, idle, in use; waiting counts callers queued for one.',
  ['service', 'pool', 'state'],
  function collect() {
    this.reset();
    const service = processService;
    for (const [pool, name] of pools) {
      if (pool.ended) {
        pools.delete(pool);
        continue;
      }
      const add = (state: string, value: number) => this.inc({ service, pool: name, state }, value);
      add('open', pool.totalCount);
      add('idle', pool.idleCount);
      add('in_use', pool.totalCount - pool.idleCount);
      add('waiting', pool.waitingCount);
      add('max', pool.options?.max ?? 0);
    }
  },
);

/** Counts the pool's connections in `postgres_pool_connections{pool=name}` while it is open. */
export function watchPool(pool: PoolCounts, name: string): void {
  pools.set(pool, name);
}

const STATEMENTS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'WITH',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SET',
  'LISTEN',
  'NOTIFY',
]);

/** The statement's first keyword when it is a common one, `other` otherwise. */
export function statementKind(text: unknown): string {
  if (typeof text !== 'string') return 'other';
  const match = /^\s*([A-Za-z]+)/.exec(text);
  const word = match ? match[1].toUpperCase() : '';
  return STATEMENTS.has(word) ? word : 'other';
}
