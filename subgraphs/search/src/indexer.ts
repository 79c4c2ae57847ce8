/**
 * Keeps the index in step with the catalog. The product service's change feed is read from the
 * last position the index reached (minus a lookback, since DynamoDB indexes are eventually
 * consistent and writers' clocks differ), so every create and update arrives at least once, also
 * after the search service was down: it catches up from where it was. Writes are idempotent (an
 * older version never replaces a newer one), so re-reading is harmless. Stock flags come from the
 * order service: fetched when a product is first indexed, refreshed when the order service
 * reports a change, and both paths lock the products they write so neither undoes the other.
 */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../../common/logger';
import { inTransaction } from '../../../common/postgres';
import type { FeedDocument } from './domain';
import { watchIndexer } from './indexer.metrics';
import {
  feedPosition,
  indexedProducts,
  layOutByCategory,
  lockProducts,
  rebuildLexicon,
  removeUnseen,
  saveFeedPosition,
  setInStock,
  upsertDocuments,
} from './index.repository';
import type { StockSource } from './order.client';
import type { CatalogFeed } from './product.client';

export const CATALOG_FEED = 'catalog';

/** A first fill of at least this many documents is laid out by category when it ends. */
const FIRST_FILL_LAYOUT = 1_000;

export interface IndexerOptions {
  /** How often the feed is read (SEARCH_FEED_POLL_MS). */
  pollMs: number;
  /** How far before the saved position each read starts (SEARCH_FEED_LOOKBACK_MS). */
  lookbackMs: number;
  /** Documents per feed page. */
  pageSize: number;
}

export interface ReindexResult {
  documents: number;
  removed: number;
  ms: number;
}

export class CatalogIndexer {
  /** When the last complete read of the feed started (or the indexer was made). */
  private caughtUpFrom = Date.now();

  constructor(
    private readonly pool: Pool,
    private readonly feed: CatalogFeed,
    private readonly stock: StockSource,
    private readonly logger: Logger,
    private readonly options: IndexerOptions,
  ) {}

  /**
   * Reads the feed from the saved position to its end and indexes what changed; returns the
   * number of documents written. Only one replica reads at a time; the others return 0.
   */
  async catchUp(): Promise<number> {
    return (await this.withFeedLock(false, () => this.readFeed())) ?? 0;
  }

  /**
   * Rebuilds the index from the whole catalog: every document rewritten with fresh stock,
   * documents the catalog no longer has removed, the lexicon recounted.
   */
  async reindex(): Promise<ReindexResult> {
    const started = Date.now();
    const result = await this.withFeedLock(true, async () => {
      const { rows } = await this.pool.query<{ now: Date }>('SELECT now()');
      const since = rows[0].now;
      const documents = await this.replay(null, true);
      const removed = await inTransaction(this.pool, async (tx) => {
        const count = await removeUnseen(tx, since);
        await rebuildLexicon(tx);
        return count;
      });
      await layOutByCategory(this.pool);
      return { documents, removed };
    });
    const { documents, removed } = result ?? { documents: 0, removed: 0 };
    return { documents, removed, ms: Date.now() - started };
  }

  /** Re-reads stock for these products from the order service and updates their flags. */
  async refreshStock(productIds: readonly string[]): Promise<void> {
    const ids = [...new Set(productIds)];
    if (ids.length === 0) return;
    await inTransaction(this.pool, async (tx) => {
      await lockProducts(tx, ids);
      const known = [...(await indexedProducts(tx, ids))];
      // Products not indexed yet get their stock read when the feed brings them.
      if (known.length > 0) await setInStock(tx, await this.stock.inStock(known));
    });
  }

  /** Seconds since the start of the last complete read of the feed (search_indexer_lag_seconds). */
  lagSeconds(): number {
    return (Date.now() - this.caughtUpFrom) / 1000;
  }

  /** Reads the feed every `pollMs` until stopped. */
  start(): { stop(): Promise<void> } {
    let stopped = false;
    const unwatch = watchIndexer(this);
    let timer: NodeJS.Timeout | null = null;
    let running: Promise<void> = Promise.resolve();
    let failing = false;
    const tick = () => {
      const startedAt = Date.now();
      running = this.catchUp()
        .then((written) => {
          this.caughtUpFrom = startedAt;
          if (failing) this.logger.info('catalog feed reachable again');
          failing = false;
          if (written > 0) this.logger.info('indexed catalog changes', { documents: written });
        })
        .catch((error: unknown) => {
          if (!failing) {
            this.logger.warn('catalog feed not read; retrying', {
              error: error instanceof Error ? error.message : String(error),
            });
          }
          failing = true;
        })
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, this.options.pollMs);
        });
    };
    tick();
    return {
      stop: async () => {
        stopped = true;
        unwatch();
        if (timer) clearTimeout(timer);
        await running;
      },
    };
  }

  private async readFeed(): Promise<number> {
    const position = await feedPosition(this.pool, CATALOG_FEED);
    const written = await this.replay(
      position === null ? null : this.lookbackFrom(position),
      false,
    );
    // The first fill of a large catalog, like a reindex, ends with the documents laid out by
    // category, as soon as there is a catalog worth laying out.
    if (position === null && written >= FIRST_FILL_LAYOUT) await layOutByCategory(this.pool);
    return written;
  }

  /** Applies the feed from `after` to its end, saving the position page by page. */
  private async replay(after: string | null, force: boolean): Promise<number> {
    let written = 0;
    for (;;) {
      const page = await this.feed.changes(after, this.options.pageSize);
      written += await this.apply(page.documents, force);
      if (page.endPosition) {
        await saveFeedPosition(this.pool, CATALOG_FEED, page.endPosition);
        after = page.endPosition;
      }
      if (!page.hasMore || page.documents.length === 0) return written;
    }
  }

  /** A bare timestamp `lookbackMs` before a position: the feed reads from that instant on. */
  private lookbackFrom(position: string): string {
    const at = Date.parse(position.split('#')[0]);
    return Number.isNaN(at)
      ? position
      : new Date(Math.max(0, at - this.options.lookbackMs)).toISOString();
  }

  private async apply(documents: readonly FeedDocument[], force: boolean): Promise<number> {
    if (documents.length === 0) return 0;
    const ids = documents.map((d) => d.id);
    return inTransaction(this.pool, async (tx) => {
      await lockProducts(tx, ids);
      const known = await indexedProducts(tx, ids);
      const needStock = force ? ids : ids.filter((id) => !known.has(id));
      const stock = needStock.length > 0 ? await this.stock.inStock(needStock) : new Map();
      const written = await upsertDocuments(tx, documents, stock, { force });
      if (force) await setInStock(tx, stock);
      return written;
    });
  }

  /**
   * Runs `work` holding this schema's feed lock (a session advisory lock): waiting for it when
   * `wait`, otherwise returning null at once when another reader holds it.
   */
  private async withFeedLock<T>(wait: boolean, work: () => Promise<T>): Promise<T | null> {
    const client: PoolClient = await this.pool.connect();
    const key = "hashtext(current_schema() || ':feed')";
    try {
      if (wait) {
        await client.query(`SELECT pg_advisory_lock(${key})`);
      } else {
        const { rows } = await client.query<{ locked: boolean }>(
          `SELECT pg_try_advisory_lock(${key}) AS locked`,
        );
        if (!rows[0].locked) return null;
      }
      try {
        return await work();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${key})`);
      }
    } finally {
      client.release();
    }
  }
}
