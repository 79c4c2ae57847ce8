/**
 * The analytics sink: every domain event, from the analytics queue (subscribed to the topic with
 * no filter), to S3 as newline-delimited JSON partitioned by the day it happened:
 * `events/dt=YYYY-MM-DD/<first occurredAt>-<digest>.ndjson`, one envelope per line, which Athena
 * (or Glue, Spark, DuckDB) reads as a table partitioned by `dt` (docs/events.md has the DDL).
 *
 * One object per day per receive (up to 10 events). The key's digest is of the event ids, so a
 * receive that comes back whole after a failure overwrites its own object; a message redelivered
 * in another receive lands in a second object, so queries de-duplicate by `id` (at least once).
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from './s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsEndpoint, DomainEvent } from './domain-events';
import { startQueueConsumer, type QueueConsumer } from './event-queue';
import type { Logger } from './logger';

/**
 * The S3 client of the analytics bucket: the store's S3 client (common/s3.ts), path-style against
 * an endpoint (the local emulator), the default provider chain on AWS.
 */
export const createAnalyticsS3Client = (aws: AwsEndpoint): S3Client =>
  createS3Client({ region: aws.region, endpoint: aws.endpoint });

export const analyticsPrefix = 'events/';

/** `events/dt=2026-12-02/` for an event of that day (UTC). */
export const analyticsPartition = (occurredAt: string) =>
  `${analyticsPrefix}dt=${new Date(occurredAt).toISOString().slice(0, 10)}/`;

/** The objects for one batch of events: key and NDJSON body, one per day. */
export function analyticsObjects(events: readonly DomainEvent[]): { key: string; body: string }[] {
  const byDay = new Map<string, DomainEvent[]>();
  for (const event of events) {
    const partition = analyticsPartition(event.occurredAt);
    byDay.set(partition, [...(byDay.get(partition) ?? []), event]);
  }
  return [...byDay].map(([partition, list]) => {
    const sorted = [...list].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    const digest = createHash('sha256')
      .update(sorted.map((e) => e.id).join('\n'))
      .digest('hex')
      .slice(0, 16);
    const stamp = sorted[0].occurredAt.replace(/[:.]/g, '');
    return {
      key: `${partition}${stamp}-${digest}.ndjson`,
      body: sorted.map((event) => JSON.stringify(event)).join('\n') + '\n',
    };
  });
}

export interface AnalyticsSinkOptions {
  sqs: SQSClient;
  s3: S3Client;
  /** ANALYTICS_QUEUE_URL. */
  queueUrl: string;
  /** ANALYTICS_BUCKET. */
  bucket: string;
  logger: Logger;
  waitSeconds?: number;
}

export function startAnalyticsSink(options: AnalyticsSinkOptions): QueueConsumer {
  return startQueueConsumer({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    name: 'analytics',
    logger: options.logger,
    waitSeconds: options.waitSeconds,
    handler: async () => undefined,
    async batchHandler(events) {
      for (const object of analyticsObjects(events)) {
        await options.s3.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: object.key,
            Body: object.body,
            ContentType: 'application/x-ndjson',
          }),
        );
      }
    },
  });
}
