/**
 * Consuming the store's domain events from an SQS queue subscribed to the topic (see
 * domain-events.ts), and the queue-depth metric.
 *
 * A consumer long-polls its queue, hands each event to its handler and deletes the message only
 * when the handler resolved. A handler that throws leaves the message on the queue: it comes
 * back after the queue's visibility timeout, and after the queue's `maxReceiveCount` receives
 * (its redrive policy) SQS moves it to the dead-letter queue, where an operator looks at it. A
 * body that is not an event is treated the same way (it will never be handled, so it ends in the
 * dead-letter queue, not lost). Delivery is at least once: handlers are idempotent by `event.id`.
 */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Gauge, register } from 'prom-client';
import { parseDomainEvent, type DomainEvent } from './domain-events';
import type { Logger } from './logger';

/** Handles one event; resolves when done, throws to have it redelivered. Must be idempotent. */
export type DomainEventHandler = (
  event: DomainEvent,
  delivery: { receiveCount: number },
) => Promise<void>;

export interface QueueConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** For logs and metrics (`notifications`, `search`, `analytics`, ...). */
  name: string;
  handler: DomainEventHandler;
  logger: Logger;
  /** Long-poll wait per receive, seconds (0-20); default 10. */
  waitSeconds?: number;
  /** Messages per receive (1-10); default 10. */
  batchSize?: number;
  /**
   * Handles a whole receive at once instead of one by one (the analytics writer): resolves with
   * the events done; the others are redelivered.
   */
  batchHandler?: (events: DomainEvent[]) => Promise<void>;
}

export interface QueueConsumer {
  /** Stops receiving and waits for the messages in hand. */
  stop(): Promise<void>;
}

export function startQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const { sqs, queueUrl, logger, name } = options;
  const waitSeconds = options.waitSeconds ?? 10;
  const batchSize = options.batchSize ?? 10;
  let stopped = false;
  let abort = new AbortController();

  const remove = (receiptHandle: string | undefined) =>
    sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));

  async function once(): Promise<void> {
    abort = new AbortController();
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      { abortSignal: abort.signal },
    );
    const parsed = messages.map((message) => ({
      message,
      event: parseDomainEvent(message.Body ?? ''),
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
    }));
    for (const { message, event } of parsed) {
      if (!event) {
        logger.error('a message on the queue is not a domain event; it goes to the DLQ', {
          queue: name,
          messageId: message.MessageId,
        });
      }
    }
    const events = parsed.filter((p) => p.event !== null);
    if (options.batchHandler) {
      if (events.length === 0) return;
      try {
        await options.batchHandler(events.map((p) => p.event as DomainEvent));
      } catch (error) {
        logger.warn('a batch of events failed; they will be redelivered', {
          queue: name,
          events: events.length,
          error: error instanceof Error ? error.message : String(error),
        });
        return;
      }
      await Promise.all(events.map((p) => remove(p.message.ReceiptHandle)));
      return;
    }
    for (const { message, event, receiveCount } of events) {
      if (!event) continue;
      try {
        await options.handler(event, { receiveCount });
      } catch (error) {
        logger.warn('an event failed; it will be redelivered', {
          queue: name,
          eventId: event.id,
          type: event.type,
          receiveCount,
          error: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      await remove(message.ReceiptHandle);
    }
  }

  const running = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await once();
        failures = 0;
      } catch (error) {
        if (stopped) break;
        failures += 1;
        if (failures === 1 || failures % 30 === 0) {
          logger.warn('cannot receive from the queue; retrying', {
            queue: name,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(failures * 500, 5_000)));
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      abort.abort();
      await running;
    },
  };
}

/** The queues whose depths the metric reports, by name. */
const watched = new Map<string, { sqs: SQSClient; queueUrl: string }>();

const depth = new Gauge({
  name: 'storefront_event_queue_messages',
  help:
    'Messages on the domain-event queues (and their dead-letter queues): visible (waiting), ' +
    'in_flight (received, not yet deleted), delayed.',
  labelNames: ['queue', 'state'],
  registers: [register],
  async collect() {
    this.reset();
    await Promise.all(
      [...watched].map(async ([queue, { sqs, queueUrl }]) => {
        try {
          const { Attributes: a = {} } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: [
                'ApproximateNumberOfMessages',
                'ApproximateNumberOfMessagesNotVisible',
                'ApproximateNumberOfMessagesDelayed',
              ],
            }),
          );
          this.set({ queue, state: 'visible' }, Number(a.ApproximateNumberOfMessages ?? 0));
          this.set(
            { queue, state: 'in_flight' },
            Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
          );
          this.set({ queue, state: 'delayed' }, Number(a.ApproximateNumberOfMessagesDelayed ?? 0));
        } catch {
          // An unreachable queue reports nothing rather than a stale number.
        }
      }),
    );
  },
});

/**
 * Adds a queue (and the dead-letter queue of its redrive policy, as `<name>-dlq`) to the
 * `storefront_event_queue_messages` gauge; returns the function that removes them.
 */
export async function watchQueueDepth(
  sqs: SQSClient,
  name: string,
  queueUrl: string,
): Promise<() => void> {
  watched.set(name, { sqs, queueUrl });
  let dlq: string | null = null;
  try {
    const { Attributes: a = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    const arn = a.RedrivePolicy
      ? (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
      : undefined;
    if (arn) {
      dlq = `${name}-dlq`;
      watched.set(dlq, { sqs, queueUrl: queueUrlOfArn(arn, queueUrl) });
    }
  } catch {
    // Without the attribute (no permission), only the queue itself is watched.
  }
  return () => {
    watched.delete(name);
    if (dlq) watched.delete(dlq);
  };
}

/** `arn:aws:sqs:<region>:<account>:<name>` → the URL of that queue next to `sibling`. */
export function queueUrlOfArn(arn: string, sibling: string): string {
  const parts = arn.split(':');
  const url = new URL(sibling);
  url.pathname = `/${parts[4]}/${parts[5]}`;
  return url.toString();
}

export const queueDepthGauge = depth;
