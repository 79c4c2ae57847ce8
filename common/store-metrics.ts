/**
 * The hooks that count what reaches the stores: PostgreSQL statements (on each pooled client),
 * DynamoDB commands (a middleware of the SDK client) and shared-cache reads (a view around the
 * cache). common/postgres.ts, dynamo.ts and cache.ts install them where they create their clients.
 */
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SharedCache } from './cache';
import {
  cacheRequests,
  dynamoDuration,
  dynamoRequests,
  metricService,
  postgresDuration,
  postgresQueries,
  secondsSince,
  statementKind,
} from './metrics';

type Query = (...args: unknown[]) => unknown;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, 'then') === 'function';

/**
 * Times every statement a pooled client runs. pg's `query` takes a text or a config, values and
 * a callback (the pool's own `query` passes one), or a submittable (a cursor), which is left alone.
 */
export function measureQueries(client: object): void {
  const original = Reflect.get(client, 'query') as Query;
  const measured: Query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    if (typeof first === 'object' && first !== null && 'submit' in first)
      return original.apply(this, args);
    const statement = statementKind(
      typeof first === 'string' ? first : first && Reflect.get(first, 'text'),
    );
    const service = metricService();
    const start = performance.now();
    const done = (failed: boolean) => {
      postgresQueries.inc({ service, statement, status: failed ? 'error' : 'ok' });
      postgresDuration.observe({ service, statement }, secondsSince(start));
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        done(Boolean(error));
        return (last as (e: unknown, r: unknown) => unknown)(error, result);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (isThenable(result))
      result.then(
        () => done(false),
        () => done(true),
      );
    return result;
  };
  Reflect.set(client, 'query', measured);
}

/** Counts and times every DynamoDB command the client sends, by command name. */
export function measureDynamo(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const service = metricService();
      const start = performance.now();
      let status = 'error';
      try {
        const output = await next(args);
        status = 'ok';
        return output;
      } finally {
        dynamoRequests.inc({ service, operation, status });
        dynamoDuration.observe({ service, operation }, secondsSince(start));
      }
    },
    { step: 'initialize', name: 'storefrontMetrics' },
  );
}

/** The cache, counting each key read as a hit or a miss. */
export function measuredCache(cache: SharedCache, backend: 'redis' | 'memory'): SharedCache {
  return {
    ...cache,
    getMany: async (keys) => {
      const values = await cache.getMany(keys);
      let hits = 0;
      for (const value of values) if (value !== null) hits++;
      const service = metricService();
      if (hits > 0) cacheRequests.inc({ service, backend, result: 'hit' }, hits);
      if (values.length > hits)
        cacheRequests.inc({ service, backend, result: 'miss' }, values.length - hits);
      return values;
    },
    namespace: (prefix) => measuredCache(cache.namespace(prefix), backend),
  };
}
