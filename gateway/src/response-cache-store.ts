/**
 * Where the gateway's response cache keeps its entries: Redis when REDIS_URL is set (every
 * replica shares the entries and the tag index, so a purge by one replica is seen by all), an
 * in-process LRU otherwise. Each entry is indexed under its tags (`product:<id>`, …); a purge
 * deletes exactly the entries indexed under the tags it names.
 *
 * Redis fails open like the shared cache (common/cache.ts): each command gives up after the
 * command timeout, the first failure opens a breaker that skips Redis for a second, and a read
 * that fails is a miss. A cache outage never fails a request; it only makes it a miss.
 */
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../common/logger';

export interface CachedResponse {
  /** The response body, exactly as sent. */
  body: string;
  etag: string;
  /** The response's max-age when it was stored, in seconds. */
  maxAge: number;
  /** When it was stored (ms since the epoch). */
  storedAt: number;
  /** The entities it holds, URL-encoded: `product:<id>`, `variant:<id>`, `listing:<slug>`, … */
  tags: string[];
}

/** A read that could not reach the store (served uncached). */
export const UNAVAILABLE = 'unavailable';

export interface ResponseStore {
  get(key: string): Promise<CachedResponse | null | typeof UNAVAILABLE>;
  /** Stores the entry for `entry.maxAge` seconds, indexed under each of its tags. */
  set(key: string, entry: CachedResponse): Promise<void>;
  /** Deletes every entry indexed under any of `tags`; resolves to how many (when known). */
  purge(tags: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/** `<storedAt> <maxAge> <etag> <tags,…>\n<body>`: a hit splits at the first newline only. */
export function encodeEntry(entry: CachedResponse): string {
  return `${entry.storedAt} ${entry.maxAge} ${entry.etag} ${entry.tags.join(',')}\n${entry.body}`;
}

export function decodeEntry(text: string): CachedResponse | null {
  const newline = text.indexOf('\n');
  if (newline < 0) return null;
  const [storedAt, maxAge, etag, tags] = text.slice(0, newline).split(' ');
  if (!storedAt || !maxAge || !etag) return null;
  return {
    storedAt: Number(storedAt),
    maxAge: Number(maxAge),
    etag,
    tags: tags ? tags.split(',') : [],
    body: text.slice(newline + 1),
  };
}

export class MemoryResponseStore implements ResponseStore {
  private readonly entries: LRUCache<string, CachedResponse>;
  private readonly byTag = new Map<string, Set<string>>();

  constructor(maxBytes: number) {
    this.entries = new LRUCache<string, CachedResponse>({
      maxSize: maxBytes,
      sizeCalculation: (entry) => entry.body.length + 64 * (entry.tags.length + 1),
      // Expired or evicted: drop it from the tag index too.
      dispose: (entry, key) => this.unindex(key, entry.tags),
    });
  }

  private unindex(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }

  async get(key: string): Promise<CachedResponse | null> {
    return this.entries.get(key) ?? null;
  }

  async set(key: string, entry: CachedResponse): Promise<void> {
    this.entries.set(key, entry, { ttl: entry.maxAge * 1000 });
    for (const tag of entry.tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  async purge(tags: readonly string[]): Promise<number> {
    let purged = 0;
    for (const tag of tags) {
      for (const key of [...(this.byTag.get(tag) ?? [])]) if (this.entries.delete(key)) purged++;
    }
    return purged;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

/**
 * Deletes the entries indexed under each tag set named in KEYS, and the sets, in one atomic
 * step (no entry stored meanwhile loses its index). Entries are addressed from the sets, so this
 * needs one Redis node (not cluster mode), as the rest of the store does.
 */
const PURGE_SCRIPT = `
local purged = 0
for _, tag in ipairs(KEYS) do
  local members = redis.call('SMEMBERS', tag)
  for i = 1, #members, 500 do
    purged = purged + redis.call('UNLINK', unpack(members, i, math.min(i + 499, #members)))
  end
  redis.call('UNLINK', tag)
end
return purged
`;

export interface RedisStoreOptions {
  url: string;
  /** Prefix of every key (`storefront:response:`): entries under `e:`, tag sets under `t:`. */
  prefix: string;
  /** How long one command may take before the request is served uncached. */
  commandTimeoutMs?: number;
  /** After a failure, how long to skip Redis before trying again. */
  retryAfterMs?: number;
  logger: Logger;
}

export class RedisResponseStore implements ResponseStore {
  private readonly client: Redis;
  private openUntil = 0;
  private reported = 0;
  private readonly retryAfterMs: number;

  constructor(private readonly options: RedisStoreOptions) {
    this.retryAfterMs = options.retryAfterMs ?? 1_000;
    this.client = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: 2_000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    });
    this.client.on('error', (error: Error) => this.report('connection', error));
  }

  private report(operation: string, error: unknown): void {
    if (Date.now() - this.reported < 10_000) return;
    this.reported = Date.now();
    this.options.logger.warn('response cache unavailable; serving uncached', {
      operation,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private async attempt<T>(
    operation: string,
    fallback: T,
    run: () => Promise<T>,
    force = false,
  ): Promise<T> {
    if (!force && Date.now() < this.openUntil) return fallback;
    try {
      return await run();
    } catch (error) {
      this.openUntil = Date.now() + this.retryAfterMs;
      this.report(operation, error);
      return fallback;
    }
  }

  private entryKey = (key: string) => `${this.options.prefix}e:${key}`;
  private tagKey = (tag: string) => `${this.options.prefix}t:${tag}`;

  get(key: string): Promise<CachedResponse | null | typeof UNAVAILABLE> {
    return this.attempt<CachedResponse | null | typeof UNAVAILABLE>(
      'get',
      UNAVAILABLE,
      async () => {
        const text = await this.client.get(this.entryKey(key));
        return text === null ? null : decodeEntry(text);
      },
    );
  }

  set(key: string, entry: CachedResponse): Promise<void> {
    return this.attempt('set', undefined, async () => {
      const entryKey = this.entryKey(key);
      const multi = this.client.multi().set(entryKey, encodeEntry(entry), 'EX', entry.maxAge);
      // A tag set lives as long as its longest-lived entry.
      for (const tag of entry.tags) {
        const tagKey = this.tagKey(tag);
        multi
          .sadd(tagKey, entryKey)
          .expire(tagKey, entry.maxAge, 'NX')
          .expire(tagKey, entry.maxAge, 'GT');
      }
      await multi.exec();
    });
  }

  /** Rejects when Redis did not answer (the caller retries); a purge ignores the breaker. */
  async purge(tags: readonly string[]): Promise<number> {
    if (tags.length === 0) return 0;
    const failed = Symbol('failed');
    const result = await this.attempt<number | typeof failed>(
      'purge',
      failed,
      async () => {
        const purged = await this.client.eval(
          PURGE_SCRIPT,
          tags.length,
          ...tags.map((tag) => this.tagKey(tag)),
        );
        return typeof purged === 'number' ? purged : 0;
      },
      true,
    );
    if (result === failed) throw new Error('the response cache could not be purged');
    return result;
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
