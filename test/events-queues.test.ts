/**
 * The queues of the store's domain events, on the SNS/SQS emulator the tests run: filter policies
 * deliver only the types a queue asked for, the audit queue gets everything, a message whose
 * consumer keeps throwing goes to the dead-letter queue after the set number of receives, and
 * the queue-depth gauge reports it there.
 */
import { register } from 'prom-client';
import {
  domainEvent,
  domainEventTypes,
  type DomainEvent,
  type DomainEventType,
} from '../common/domain-events';
import { startQueueConsumer, watchQueueDepth } from '../common/event-queue';
import { createLogger } from '../common/logger';
import { storeQueues } from '../dev/embedded/aws';
import {
  queueDepth,
  receiveEvents,
  testDomainEvents,
  type TestDomainEvents,
} from './support/domain-events';

const logger = createLogger('test', { silent: true });
let events: TestDomainEvents;

beforeAll(async () => {
  events = await testDomainEvents(logger, { maxReceiveCount: 3, visibilityTimeout: 1 });
});
afterAll(() => events.stop());

const allTypes = Object.keys(domainEventTypes) as DomainEventType[];

it('delivers to each queue only the types its filter policy asks for, and all to the audit queue', async () => {
  const published = allTypes.map((type) => domainEvent(type, 'test', `entity-${type}`, { type }));
  await events.topic.publish(...published);
  const { queues } = events.resources;
  const types = async (url: string, expected: number) =>
    (await receiveEvents(events.sqs, url, (got) => got.length >= expected, { quietSeconds: 1 }))
      .map((e) => e.type)
      .sort();

  expect(await types(queues.audit.url, allTypes.length)).toEqual([...allTypes].sort());
  expect(await types(queues.analytics.url, allTypes.length)).toEqual([...allTypes].sort());
  expect(await types(queues.notifications.url, 4)).toEqual(
    [...(storeQueues.notifications ?? [])].sort(),
  );
  expect(await types(queues.search.url, 2)).toEqual(['order.placed', 'stock.changed']);
});

it('moves a message whose consumer keeps failing to the dead-letter queue after 3 receives', async () => {
  const { notifications } = events.resources.queues;
  const stopWatching = await watchQueueDepth(events.sqs, 'notifications', notifications.url);
  const failing = domainEvent('order.placed', 'order', 'order-that-fails', { orderId: 'x' });
  const receives: number[] = [];
  const consumer = startQueueConsumer({
    sqs: events.sqs,
    queueUrl: notifications.url,
    name: 'notifications',
    logger,
    waitSeconds: 1,
    async handler(event: DomainEvent, delivery) {
      if (event.id !== failing.id) return;
      receives.push(delivery.receiveCount);
      throw new Error('the mail server is on fire');
    },
  });
  try {
    await events.topic.publish(failing);
    const dead = await receiveEvents(
      events.sqs,
      notifications.dlqUrl,
      (got) => got.some((e) => e.id === failing.id),
      { quietSeconds: 1, maxSeconds: 30 },
    );
    expect(dead).toEqual([failing]);
  } finally {
    await consumer.stop();
  }
  expect(receives).toEqual([1, 2, 3]);
  expect(await queueDepth(events.sqs, notifications.url)).toEqual({ visible: 0, inFlight: 0 });

  // The gauge reads the queue and its dead-letter queue at each scrape.
  await events.topic.publish(domainEvent('order.fulfilled', 'order', 'waiting', {}));
  await receiveEvents(events.sqs, events.resources.queues.audit.url, (got) => got.length > 0);
  const metric = await register.getSingleMetric('storefront_event_queue_messages')?.get();
  const value = (queue: string, state: string) =>
    metric?.values.find((v) => v.labels.queue === queue && v.labels.state === state)?.value;
  // Visible, or in flight to the long poll the stopped consumer left behind (as SQS does too).
  expect(
    (value('notifications', 'visible') ?? 0) + (value('notifications', 'in_flight') ?? 0),
  ).toBe(1);
  expect(value('notifications-dlq', 'visible')).toBe(0);
  stopWatching();
});
