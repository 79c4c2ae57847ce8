/**
 * The shared cache: Redis when REDIS_URL is set, otherwise an in-process LRU with the same
 * interface. It fails open: when Redis is slow or down, reads miss and writes are dropped, each
 * bounded by a command timeout, so an outage slows requests down but never fails them.
 */
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from './logger';
import { measuredCache } from './store-metrics';

export interface SharedCache {
  /** Values for `keys`, in key order; `null` for a miss. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Stores every entry with the same time to live. */
  setMany(entries: ReadonlyArray<readonly [string, string]>, ttlSeconds: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /** Atomically increments a counter (kept for `ttlSeconds`) and returns its new value. */
  increment(key: string, ttlSeconds: number): Promise<number | null>;
  /** A view of this cache whose keys all start with `prefix`. */
  namespace(prefix: string): SharedCache;
  /** True when the backing store answered just now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisCacheOptions {
  url: string;
  /** How long a single command may take before it counts as a miss. */
  commandTimeoutMs?: number;
  /** After a failure, how long to skip the cache entirely before trying it again. */
  retryAfterMs?: number;
  logger?: Logger;
}

/** Logs a failing cache at most every `intervalMs`, so an outage does not flood the logs. */
function throttled(logger: Logger | undefined, intervalMs = 10_000) {
  let last = 0;
  return (operation: string, error: unknown) => {
    const now = Date.now();
    if (!logger || now - last < intervalMs) return;
    last = now;
    logger.warn('cache unavailable; serving from the source of truth', {
      operation,
      error: error instanceof Error ? error.message : String(error),
    });
  };
}

export function createRedisCache(options: RedisCacheOptions): SharedCache {
  const client = new Redis(options.url, {
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 2_000,
    // Fail fast while disconnected instead of queueing commands behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    lazyConnect: false,
  });
  const report = throttled(options.logger);
  client.on('error', (error) => report('connection', error));
  const breaker = { openUntil: 0, retryAfterMs: options.retryAfterMs ?? 1_000 };
  return measuredCache(redisView(client, '', report, breaker, true), 'redis');
}

/**
 * A circuit breaker: one failed or timed-out command opens it, and while it is open every
 * command answers its fallback at once, so an outage costs one timeout per interval, not one
 * per command.
 */
interface Breaker {
  openUntil: number;
  retryAfterMs: number;
}

function redisView(
  client: Redis,
  prefix: string,
  report: (operation: string, error: unknown) => void,
  breaker: Breaker,
  owner: boolean,
): SharedCache {
  const attempt = async <T>(operation: string, fallback: T, run: () => Promise<T>): Promise<T> => {
    if (Date.now() < breaker.openUntil) return fallback;
    try {
      return await run();
    } catch (error) {
      breaker.openUntil = Date.now() + breaker.retryAfterMs;
      report(operation, error);
      return fallback;
    }
  };
  return {
    getMany: (keys) =>
      keys.length === 0
        ? Promise.resolve([])
        : attempt(
            'getMany',
            keys.map(() => null),
            () => client.mget(keys.map((k) => prefix + k)),
          ),
    setMany: (entries, ttl) =>
      entries.length === 0
        ? Promise.resolve()
        : attempt('setMany', undefined, async () => {
            const pipeline = client.multi();
            for (const [key, value] of entries) pipeline.set(prefix + key, value, 'EX', ttl);
            await pipeline.exec();
          }),
    delete: (keys) =>
      keys.length === 0
        ? Promise.resolve()
        : attempt('delete', undefined, async () => {
            await client.del(...keys.map((k) => prefix + k));
          }),
    increment: (key, ttl) =>
      attempt('increment', null, async () => {
        const result = await client
          .multi()
          .incr(prefix + key)
          .expire(prefix + key, ttl)
          .exec();
        const value = result?.[0]?.[1];
        return typeof value === 'number' ? value : null;
      }),
    namespace: (more) => redisView(client, prefix + more, report, breaker, false),
    // The probe bypasses the breaker: readiness must see the real state.
    ping: async () => {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    close: async () => {
      if (!owner) return;
      client.disconnect();
    },
  };
}

export function createMemoryCache(options: { maxEntries?: number } = {}): SharedCache {
  const store = new LRUCache<string, string>({ max: options.maxEntries ?? 50_000 });
  return measuredCache(memoryView(store, ''), 'memory');
}

function memoryView(store: LRUCache<string, string>, prefix: string): SharedCache {
  return {
    getMany: async (keys) => keys.map((k) => store.get(prefix + k) ?? null),
    setMany: async (entries, ttl) => {
      for (const [key, value] of entries) store.set(prefix + key, value, { ttl: ttl * 1000 });
    },
    delete: async (keys) => {
      for (const key of keys) store.delete(prefix + key);
    },
    increment: async (key, ttl) => {
      const next = Number(store.get(prefix + key) ?? '0') + 1;
      store.set(prefix + key, String(next), { ttl: ttl * 1000 });
      return next;
    },
    namespace: (more) => memoryView(store, prefix + more),
    ping: async () => true,
    close: async () => store.clear(),
  };
}

/** Redis when a URL is configured, the in-process LRU otherwise. */
export function createSharedCache(url: string | undefined, logger?: Logger): SharedCache {
  return url ? createRedisCache({ url, logger }) : createMemoryCache();
}
