/**
 * The store's domain events in a test: a topic, queues and bucket of the stack's own on the
 * run's SNS/SQS/S3 emulator, the consumers the services run (notifications, search signals,
 * analytics), and reading what reached a queue.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import { createAnalyticsS3Client, startAnalyticsSink } from '../../common/analytics';
import {
  createDomainEventPublisher,
  createSqsClient,
  parseDomainEvent,
  type DomainEvent,
  type DomainEventPublisher,
} from '../../common/domain-events';
import type { QueueConsumer } from '../../common/event-queue';
import type { Logger } from '../../common/logger';
import {
  provisionEvents,
  type EventResources,
  type ProvisionOptions,
} from '../../dev/embedded/aws';
import type { CatalogIndexer } from '../../subgraphs/search/src/indexer';
import { startSignalsConsumer } from '../../subgraphs/search/src/signals.consumer';
import { eventsEndpoint } from './services';

export interface TestDomainEvents {
  resources: EventResources;
  endpoint: string;
  topic: DomainEventPublisher;
  sqs: SQSClient;
  s3: S3Client;
  stop(): Promise<void>;
}

export type DomainEventOptions = Omit<ProvisionOptions, 'endpoint' | 'suffix'>;

/** A topic, queues and bucket of their own (`store-events-audit-<random>`, ...). */
export async function testDomainEvents(
  logger: Logger,
  options: DomainEventOptions = {},
): Promise<TestDomainEvents> {
  const endpoint = eventsEndpoint();
  const aws = { endpoint, region: 'us-east-1' };
  const resources = await provisionEvents({
    ...options,
    endpoint,
    suffix: `-${randomBytes(5).toString('hex')}`,
  });
  const topic = createDomainEventPublisher({ topicArn: resources.topicArn, aws, logger });
  const sqs = createSqsClient(aws);
  const s3 = createAnalyticsS3Client(aws);
  return {
    resources,
    endpoint,
    topic,
    sqs,
    s3,
    async stop() {
      await topic.close();
      sqs.destroy();
      s3.destroy();
    },
  };
}

/** The consumers the search service and the analytics sink run (the order service's are its own). */
export function startTestConsumers(
  events: TestDomainEvents,
  search: { pool: Pool; indexer: CatalogIndexer },
  logger: Logger,
): QueueConsumer[] {
  const { sqs, s3, resources } = events;
  return [
    startSignalsConsumer({ sqs, queueUrl: resources.queues.search.url, ...search, logger }),
    startAnalyticsSink({
      sqs,
      s3,
      queueUrl: resources.queues.analytics.url,
      bucket: resources.analyticsBucket,
      logger,
    }),
  ];
}

/**
 * Receives (and deletes) from a queue until `done` says the events so far are enough, or nothing
 * more arrives for `quietSeconds` after `done` (so duplicates arriving late are seen too).
 */
export async function receiveEvents(
  sqs: SQSClient,
  queueUrl: string,
  done: (events: DomainEvent[]) => boolean,
  options: { quietSeconds?: number; maxSeconds?: number } = {},
): Promise<DomainEvent[]> {
  const events: DomainEvent[] = [];
  const deadline = Date.now() + (options.maxSeconds ?? 30) * 1_000;
  let satisfied = false;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: satisfied ? (options.quietSeconds ?? 1) : 1,
      }),
    );
    for (const message of Messages) {
      const event = parseDomainEvent(message.Body ?? '');
      if (!event) throw new Error(`not a domain event on ${queueUrl}: ${message.Body}`);
      events.push(event);
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    if (satisfied && Messages.length === 0) return events;
    satisfied = done(events);
  }
  throw new Error(`the events expected on ${queueUrl} did not arrive (got ${events.length})`);
}

/** The queue's visible and in-flight messages. */
export async function queueDepth(sqs: SQSClient, queueUrl: string) {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}
