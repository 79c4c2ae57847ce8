/**
 * Publishes the catalog's committed changes on the store's event bus (`product.changed`), for the
 * gateways' cache purges and live updates. DynamoDB has no transactional outbox here, so the
 * source is the catalog change feed (the `byChange` index, see catalog.table.ts): a product is in
 * it once written, whatever wrote it. The publisher reads the feed every `pollMs` from a little
 * before its last position (writers' clocks differ and the index lags the table by a moment), and
 * publishes each position once. It starts from the moment it starts: what changed before is not
 * news to anyone listening.
 *
 * Every replica of the product service publishes what it reads, so with several replicas an event
 * arrives more than once; the listeners take that (a purge is idempotent, live updates keep the
 * last position per product). A publish that fails is tried again at the next read.
 */
import {
  domainEvent,
  eventIdFor,
  type DomainEvent,
  type DomainEventPublisher,
} from '../../../common/domain-events';
import type { Logger } from '../../../common/logger';
import { formatMinorUnits } from '../../../common/money';
import type { Product } from './domain';
import type { StoreEventPublisher } from '../../../common/store-events';
import { getProducts, queryChanges } from './catalog.repository';
import type { CatalogTable } from './catalog.table';

export interface CatalogEventOptions {
  /** How often the feed is read; default 250 ms. */
  pollMs?: number;
  /** How far before the last position each read starts; default 2 s. */
  lookbackMs?: number;
  /** The clock; tests may move it. */
  now?: () => number;
  /**
   * The store's SNS topic: each change is also published there as `product.created` (its
   * first write) or `product.changed`, with an id made from the change-feed position, so every
   * replica and every re-read publishes the same event id (docs/events.md).
   */
  topic?: DomainEventPublisher;
}

const PAGE = 500;

export class CatalogEventPublisher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Positions published, by the time (ms) their change happened. */
  private readonly published = new Map<string, number>();
  private readonly pollMs: number;
  private readonly lookbackMs: number;
  private readonly now: () => number;
  private readonly topic: DomainEventPublisher | undefined;
  /** The newest change time seen; reads start `lookbackMs` before it. */
  private latest: number;

  constructor(
    private readonly db: CatalogTable,
    private readonly events: StoreEventPublisher,
    private readonly logger: Logger,
    options: CatalogEventOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.lookbackMs = options.lookbackMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.topic = options.topic;
    this.latest = this.now();
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One read of the feed: publishes every change not published yet. */
  async poll(): Promise<number> {
    const from = this.latest - this.lookbackMs;
    let after = new Date(from).toISOString();
    let count = 0;
    for (;;) {
      const page = await queryChanges(this.db, after, PAGE);
      const fresh = page.entries.filter((e) => !this.published.has(e.position));
      if (fresh.length > 0) {
        const products = await getProducts(
          this.db,
          fresh.map((e) => e.productId),
          { consistent: true },
        );
        for (const entry of fresh) {
          const product = products.get(entry.productId);
          // Gone since the index was read (a create that failed and was undone): no news.
          if (product) {
            await this.topic?.publish(productDomainEvent(product, entry.position));
            await this.events.publish({
              type: 'product.changed',
              productId: product.id,
              variantIds: [...product.variantIds],
              categorySlugs: [product.categorySlug],
              position: entry.position,
            });
            count++;
          }
          const at = Date.parse(entry.position.slice(0, entry.position.indexOf('#')));
          this.published.set(entry.position, at);
          if (at > this.latest) this.latest = at;
        }
      }
      if (!page.hasMore || page.entries.length === 0) break;
      after = page.entries[page.entries.length - 1].position;
    }
    for (const [position, at] of this.published) {
      if (at < from) this.published.delete(position);
    }
    return count;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.warn('catalog events: reading the feed failed; trying again', {
            error: error instanceof Error ? error.message : String(error),
          });
        })
        .finally(() => this.schedule(this.pollMs));
    }, delayMs);
    this.timer.unref();
  }
}

/** The domain event of a product's change at `position` of the feed. */
export function productDomainEvent(product: Product, position: string): DomainEvent<object> {
  const created = product.createdAt === product.updatedAt;
  return domainEvent(
    created ? 'product.created' : 'product.changed',
    'product',
    product.id,
    {
      productId: product.id,
      slug: product.slug,
      title: product.title,
      brand: product.brand,
      categorySlug: product.categorySlug,
      variantIds: [...product.variantIds],
      priceRange: {
        min: { amount: formatMinorUnits(product.minPrice), currencyCode: product.currencyCode },
        max: { amount: formatMinorUnits(product.maxPrice), currencyCode: product.currencyCode },
      },
      position,
    },
    { id: eventIdFor(`product:${position}`), occurredAt: product.updatedAt },
  );
}
