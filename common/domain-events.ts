/**
 * The store's domain events, for the systems around it (accounting, fulfillment, CRM, analytics)
 * and its own queue consumers: one SNS topic, a versioned JSON envelope per event, and a `type`
 * message attribute that subscriptions filter on. docs/events.md is the schema.
 *
 * Producers publish only after their change commits (the order service from its transactional
 * outbox, the product service from its catalog change feed, the cart service from its reminder
 * pass, the user service after a sign-up), at least once: a consumer sees an event again after a
 * redelivery and must be idempotent by its `id`, which is stable across redeliveries.
 *
 * Production: AWS SNS (EVENTS_TOPIC_ARN) in the region, credentials from the usual provider
 * chain. Locally and in tests: the same calls against the SNS/SQS emulator (EVENTS_ENDPOINT).
 */
import { createHash, randomUUID } from 'node:crypto';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { env } from './config';
import type { Logger } from './logger';

/** Every type of domain event, and the version of its `data` this code writes. */
export const domainEventTypes = {
  'order.placed': 1,
  'order.fulfilled': 1,
  'order.cancelled': 1,
  'order.refunded': 1,
  'payment.disputed': 1,
  'payment.orphan_refunded': 1,
  'stock.changed': 1,
  'product.created': 1,
  'product.changed': 1,
  'cart.abandoned': 1,
  'shopper.signed_up': 1,
} as const;

export type DomainEventType = keyof typeof domainEventTypes;

/** The envelope every event travels in (the SNS message, raw on the store's own queues). */
export interface DomainEvent<TData extends object = Record<string, unknown>> {
  /** UUID, stable across redeliveries: the key consumers de-duplicate on. */
  id: string;
  type: DomainEventType;
  /** The version of `data`'s shape for this type: a breaking change gets a new one. */
  version: number;
  /** When the change committed (ISO 8601, UTC). */
  occurredAt: string;
  /** The service that owns the entity (`order`, `product`, `cart`, `user`). */
  source: string;
  /** The id of the entity the event is about (an order, a product, a cart, a shopper). */
  entityId: string;
  data: TData;
}

export const isDomainEventType = (value: unknown): value is DomainEventType =>
  typeof value === 'string' && Object.prototype.hasOwnProperty.call(domainEventTypes, value);

/** A UUID made from a name: the same change read twice gets the same event id. */
export function eventIdFor(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Builds an envelope; `id` defaults to a fresh UUID, `occurredAt` to now. */
export function domainEvent<TData extends object>(
  type: DomainEventType,
  source: string,
  entityId: string,
  data: TData,
  options: { id?: string; occurredAt?: Date | string } = {},
): DomainEvent<TData> {
  const at = options.occurredAt ?? new Date();
  return {
    id: options.id ?? randomUUID(),
    type,
    version: domainEventTypes[type],
    occurredAt: typeof at === 'string' ? new Date(at).toISOString() : at.toISOString(),
    source,
    entityId,
    data,
  };
}

/**
 * The envelope in a message body, or null for anything else. Takes the raw envelope (raw message
 * delivery, as the store's queues are subscribed) or SNS's JSON notification wrapping it.
 */
export function parseDomainEvent(body: string): DomainEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.Type === 'Notification' && typeof v.Message === 'string') {
    return parseDomainEvent(v.Message);
  }
  if (
    typeof v.id !== 'string' ||
    !isDomainEventType(v.type) ||
    typeof v.version !== 'number' ||
    typeof v.occurredAt !== 'string' ||
    typeof v.source !== 'string' ||
    typeof v.entityId !== 'string' ||
    typeof v.data !== 'object' ||
    v.data === null
  ) {
    return null;
  }
  return v as unknown as DomainEvent;
}

export interface DomainEventPublisher {
  /** Resolves once SNS has taken every event; rejects when it could not (to be retried). */
  publish(...events: DomainEvent<object>[]): Promise<void>;
  close(): Promise<void>;
}

/** The environment the producers and consumers read (merged into a service's settings). */
export const domainEventSettings = {
  /** The SNS topic of the store's domain events; unset: events are not published. */
  eventsTopicArn: env.optionalString('EVENTS_TOPIC_ARN'),
  /** SNS/SQS endpoint: unset in production (AWS's for the region), the emulator locally. */
  eventsEndpoint: env.optionalUrl('EVENTS_ENDPOINT'),
  awsRegion: env.string('AWS_REGION', 'us-east-1'),
};

export interface AwsEndpoint {
  region: string;
  /** An emulator's URL; unset for AWS. */
  endpoint?: string;
}

/** Emulators take any credentials; AWS gets the default provider chain. */
const clientConfig = ({ region, endpoint }: AwsEndpoint) => ({
  region,
  ...(endpoint
    ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {}),
});

export const createSnsClient = (settings: AwsEndpoint) => new SNSClient(clientConfig(settings));
export const createSqsClient = (settings: AwsEndpoint) => new SQSClient(clientConfig(settings));

/** SNS takes up to 10 messages a batch and 256 KB a message. */
const BATCH = 10;
const MAX_MESSAGE_BYTES = 256 * 1024;

const attributesOf = (event: DomainEvent<object>) => ({
  type: { DataType: 'String', StringValue: event.type },
  version: { DataType: 'Number', StringValue: String(event.version) },
});

/** Publishes to the topic; with no topic configured, events are dropped (logged once). */
export function createDomainEventPublisher(settings: {
  topicArn?: string;
  aws: AwsEndpoint;
  logger: Logger;
}): DomainEventPublisher {
  const { topicArn, logger } = settings;
  if (!topicArn) {
    let warned = false;
    return {
      async publish(...events) {
        if (!warned && events.length > 0) {
          warned = true;
          logger.warn('EVENTS_TOPIC_ARN is not set: domain events are not published', {
            type: events[0].type,
          });
        }
      },
      async close() {},
    };
  }
  const sns = createSnsClient(settings.aws);
  return {
    async publish(...events) {
      for (let i = 0; i < events.length; i += BATCH) {
        const chunk = events.slice(i, i + BATCH);
        const bodies = chunk.map((event) => JSON.stringify(event));
        const large = bodies.find((body) => Buffer.byteLength(body) > MAX_MESSAGE_BYTES);
        if (large) throw new Error('a domain event is larger than SNS takes (256 KB)');
        if (chunk.length === 1) {
          await sns.send(
            new PublishCommand({
              TopicArn: topicArn,
              Message: bodies[0],
              MessageAttributes: attributesOf(chunk[0]),
            }),
          );
          continue;
        }
        const result = await sns.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: chunk.map((event, n) => ({
              Id: String(n),
              Message: bodies[n],
              MessageAttributes: attributesOf(event),
            })),
          }),
        );
        if (result.Failed && result.Failed.length > 0) {
          throw new Error(
            `SNS refused ${result.Failed.length} of ${chunk.length} events (${result.Failed[0].Code})`,
          );
        }
      }
    },
    async close() {
      sns.destroy();
    },
  };
}
