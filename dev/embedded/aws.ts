/**
 * The local SNS/SQS (and S3) service for `npm start` and the tests: fauxqs, a pure-Node emulator
 * of the three AWS APIs, run as a child process (./aws-process.ts) when EVENTS_TOPIC_ARN is
 * unset. The services talk to it with the same AWS SDK calls as to AWS; only the endpoint differs.
 * It keeps everything in memory: a restart starts from an empty topic and empty queues.
 *
 * `provisionEvents` creates what infrastructure code creates on AWS: the topic, the store's
 * queues with their dead-letter queues and redrive policies, their subscriptions with filter
 * policies (raw message delivery), and the analytics bucket. It is idempotent.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { projectPath } from '../../common/paths';
import { createSnsClient, createSqsClient, type DomainEventType } from '../../common/domain-events';
import { createAnalyticsS3Client } from '../../common/analytics';

export interface EmbeddedAws {
  /** For the SDK clients' `endpoint` (SNS, SQS and S3 on one port). */
  endpoint: string;
  stop(): Promise<void>;
}

export async function startEmbeddedAws(
  options: { port: number; host?: string } = { port: 4567 },
): Promise<EmbeddedAws> {
  const entry = join(__dirname, `aws-process${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
  const args = entry.endsWith('.ts')
    ? ['-r', require.resolve('ts-node/register/transpile-only'), entry]
    : [entry];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: options.host ?? '127.0.0.1',
      TS_NODE_TRANSPILE_ONLY: 'true',
      TS_NODE_PROJECT: projectPath('tsconfig.json'),
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the SNS/SQS emulator exited with code ${child.exitCode}`);
    }
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the SNS/SQS emulator did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint, stop };
}

/** The store's own queues, and the event types each one's subscription lets through. */
export const storeQueues: Record<string, readonly DomainEventType[] | null> = {
  /** Every event: the store's record, and the example an integrator copies. */
  audit: null,
  /** The order emails (order service). */
  notifications: ['order.placed', 'order.fulfilled', 'order.cancelled', 'order.refunded'],
  /** The search index's purchase and stock signals (search service). */
  search: ['order.placed', 'stock.changed'],
  /** Every event, to S3 as newline-delimited JSON (common/analytics.ts). */
  analytics: null,
};

export interface QueueResource {
  name: string;
  url: string;
  arn: string;
  dlqUrl: string;
}

export interface EventResources {
  topicArn: string;
  queues: Record<keyof typeof storeQueues, QueueResource>;
  analyticsBucket: string;
}

export interface ProvisionOptions {
  endpoint: string;
  region?: string;
  /** Appended to every name (tests give each stack its own); default none. */
  suffix?: string;
  /** Receives before a message goes to the dead-letter queue; default 5. */
  maxReceiveCount?: number;
  /** Seconds a received message stays hidden before it is delivered again; default 30. */
  visibilityTimeout?: number;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`no ARN for the queue ${url}`);
  return Attributes.QueueArn;
}

/** The topic `store-events`, queues `store-events-<name>` (+ `-dlq`), bucket `store-analytics`. */
export async function provisionEvents(options: ProvisionOptions): Promise<EventResources> {
  const aws = { endpoint: options.endpoint, region: options.region ?? 'us-east-1' };
  const suffix = options.suffix ?? '';
  const sns = createSnsClient(aws);
  const sqs = createSqsClient(aws);
  const s3 = createAnalyticsS3Client(aws);
  try {
    const { TopicArn: topicArn } = await sns.send(
      new CreateTopicCommand({ Name: `store-events${suffix}` }),
    );
    if (!topicArn) throw new Error('the topic was not created');
    const queues = {} as Record<string, QueueResource>;
    for (const [key, types] of Object.entries(storeQueues)) {
      const name = `store-events-${key}${suffix}`;
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
      if (!dlq.QueueUrl) throw new Error(`the queue ${name}-dlq was not created`);
      const created = await sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: String(options.visibilityTimeout ?? 30),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: await queueArn(sqs, dlq.QueueUrl),
              maxReceiveCount: options.maxReceiveCount ?? 5,
            }),
          },
        }),
      );
      if (!created.QueueUrl) throw new Error(`the queue ${name} was not created`);
      const arn = await queueArn(sqs, created.QueueUrl);
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: arn,
          Attributes: {
            RawMessageDelivery: 'true',
            ...(types ? { FilterPolicy: JSON.stringify({ type: types }) } : {}),
          },
        }),
      );
      queues[key] = { name, url: created.QueueUrl, arn, dlqUrl: dlq.QueueUrl };
    }
    const analyticsBucket = `store-analytics${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket: analyticsBucket }));
    return { topicArn, queues: queues as EventResources['queues'], analyticsBucket };
  } finally {
    sns.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

/** The services' settings for provisioned resources on the emulator at `endpoint`. */
export function embeddedEventSettings(
  resources: EventResources,
  endpoint: string,
): Record<string, string> {
  return {
    EVENTS_TOPIC_ARN: resources.topicArn,
    EVENTS_ENDPOINT: endpoint,
    NOTIFICATIONS_QUEUE_URL: resources.queues.notifications.url,
    SEARCH_EVENTS_QUEUE_URL: resources.queues.search.url,
    ANALYTICS_QUEUE_URL: resources.queues.analytics.url,
    ANALYTICS_BUCKET: resources.analyticsBucket,
  };
}
