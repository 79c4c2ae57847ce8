/**
 * The search index's purchase and stock signals from the store's domain events: the search queue
 * (SEARCH_EVENTS_QUEUE_URL) is subscribed to the topic for `order.placed` and `stock.changed`
 * (docs/events.md). An order placed is recorded once per order id (co-purchases, best sellers,
 * what a shopper bought) and its products' stock re-read; a stock change re-reads the stock of
 * its products from the order service. Both are idempotent, so a redelivered event changes
 * nothing. With the queue, the order service no longer calls `searchOrderPlaced` and
 * `searchStockChanged`; the internal mutations stay for a deployment without the topic.
 */
import type { Pool } from 'pg';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DomainEvent } from '../../../common/domain-events';
import { startQueueConsumer, type QueueConsumer } from '../../../common/event-queue';
import type { Logger } from '../../../common/logger';
import { inTransaction } from '../../../common/postgres';
import type { PlacedOrder } from './domain';
import type { CatalogIndexer } from './indexer';
import { recordOrder } from './signals.repository';

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** The purchase in an `order.placed` event's data; throws for one that is not readable. */
export function placedOrderOf(event: DomainEvent): PlacedOrder {
  const data = event.data as Record<string, unknown>;
  const lines = Array.isArray(data.lines) ? (data.lines as Record<string, unknown>[]) : [];
  const placed: PlacedOrder = {
    orderId: event.entityId,
    ownerSub: typeof data.ownerSub === 'string' ? data.ownerSub : null,
    placedAt: typeof data.placedAt === 'string' ? data.placedAt : event.occurredAt,
    lines: lines.map((line) => ({
      productId: String(line.productId ?? ''),
      variantId: String(line.variantId ?? ''),
      quantity: Number(line.quantity),
    })),
  };
  if (
    placed.lines.length === 0 ||
    placed.lines.some((l) => !l.productId || !l.variantId || !(l.quantity >= 1))
  ) {
    throw new Error(`order.placed ${event.id} has no readable lines`);
  }
  return placed;
}

export function createSignalsHandler(pool: Pool, indexer: CatalogIndexer) {
  return async (event: DomainEvent): Promise<void> => {
    if (event.type === 'order.placed') {
      const order = placedOrderOf(event);
      await inTransaction(pool, (tx) => recordOrder(tx, order));
      await indexer.refreshStock(order.lines.map((line) => line.productId));
    } else if (event.type === 'stock.changed') {
      await indexer.refreshStock(strings((event.data as { productIds?: unknown }).productIds));
    }
  };
}

export function startSignalsConsumer(options: {
  sqs: SQSClient;
  queueUrl: string;
  pool: Pool;
  indexer: CatalogIndexer;
  logger: Logger;
  waitSeconds?: number;
}): QueueConsumer {
  const handle = createSignalsHandler(options.pool, options.indexer);
  return startQueueConsumer({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    name: 'search',
    logger: options.logger,
    waitSeconds: options.waitSeconds,
    handler: (event) => handle(event),
  });
}
