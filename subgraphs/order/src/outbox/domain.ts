/**
 * The order service's domain events on the store's SNS topic (docs/events.md), published by the
 * outbox dispatcher after the change commits, and the consumer of the notifications queue that
 * sends the order emails from them.
 *
 * An outbox row becomes one domain event with the row's `event_id` as the event's id, so a row
 * delivered twice (a batch that rolled back after the publish) is the same event twice, which
 * consumers fold by id. `order.*` rows become `order.placed`, `order.fulfilled`,
 * `order.cancelled`, `order.refunded` (their payload is the event's data); `store.event` rows of
 * a stock change become `stock.changed`.
 */
import type { Pool } from 'pg';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  domainEvent,
  parseDomainEvent,
  type DomainEvent,
  type DomainEventPublisher,
} from '../../../../common/domain-events';
import { startQueueConsumer, type QueueConsumer } from '../../../../common/event-queue';
import type { Logger } from '../../../../common/logger';
import type { Queryable } from '../../../../common/postgres';
import type { StoreEvent } from '../../../../common/store-events';
import type { OutboxHandler } from './dispatcher';
import {
  InvalidPayloadError,
  orderEventTypes,
  OutboxEventType,
  parseOrderEvent,
  type OrderEventType,
} from './events';
import { appendOutbox, type OutboxEvent } from './outbox.repository';

export const ORDER_SOURCE = 'order';

/** The domain event of an order event's outbox row. */
export function orderDomainEvent(event: OutboxEvent): DomainEvent<object> {
  const order = parseOrderEvent(event.type, event.payload);
  return domainEvent(
    event.type as OrderEventType,
    ORDER_SOURCE,
    order.orderId,
    event.payload as object,
    { id: event.eventId, occurredAt: event.createdAt },
  );
}

export const orderDomainEventHandler =
  (topic: DomainEventPublisher): OutboxHandler =>
  async (event) => {
    await topic.publish(orderDomainEvent(event));
  };

/** `stock.changed` for a stock change on the bus; null for the other store events. */
export function domainEventOfStoreEvent(
  event: OutboxEvent,
  storeEvent: StoreEvent,
): DomainEvent<object> | null {
  if (storeEvent.type !== 'stock.changed') return null;
  return domainEvent(
    'stock.changed',
    ORDER_SOURCE,
    storeEvent.variantIds[0] ?? storeEvent.productIds[0] ?? 'none',
    { productIds: storeEvent.productIds, variantIds: storeEvent.variantIds },
    { id: event.eventId, occurredAt: event.createdAt },
  );
}

/** `domain.event` rows: the envelope as written; without a topic, delivered to nobody. */
export const domainEventHandler =
  (topic: DomainEventPublisher | undefined): OutboxHandler =>
  async (event) => {
    const envelope = parseDomainEvent(JSON.stringify(event.payload));
    if (!envelope) throw new InvalidPayloadError(event.type, 'the payload is not a domain event');
    await topic?.publish(envelope);
  };

/** Appends a domain event for the topic alone, in the caller's transaction. */
export const appendDomainEvent = (tx: Queryable, event: DomainEvent<object>) =>
  appendOutbox(tx, OutboxEventType.DomainEvent, event);

const isOrderEventType = (type: string): type is OrderEventType =>
  (orderEventTypes as readonly string[]).includes(type);

export interface NotificationsConsumerOptions {
  sqs: SQSClient;
  /** NOTIFICATIONS_QUEUE_URL: subscribed to the order events. */
  queueUrl: string;
  pool: Pool;
  logger: Logger;
  /** The email handler of handlers.ts, for the type. */
  emailHandler: (type: OrderEventType) => OutboxHandler;
}

/**
 * Sends the order emails from the notifications queue. The email handler records each event id
 * it sent (`notifications_sent`), so a message received twice sends one email; a message it
 * cannot send (an address the mail server refuses) fails each receive and ends in the DLQ.
 */
export function startNotificationsConsumer(options: NotificationsConsumerOptions): QueueConsumer {
  const handlers = new Map(orderEventTypes.map((type) => [type, options.emailHandler(type)]));
  return startQueueConsumer({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    name: 'notifications',
    logger: options.logger,
    async handler(event, delivery) {
      if (!isOrderEventType(event.type)) return; // not ours: the filter policy should not send it
      const handler = handlers.get(event.type);
      await handler?.(
        {
          id: event.id,
          eventId: event.id,
          type: event.type,
          payload: event.data,
          createdAt: new Date(event.occurredAt),
          attempts: delivery.receiveCount - 1,
        },
        { db: options.pool, schema: 'orders', logger: options.logger },
      );
    },
  });
}
