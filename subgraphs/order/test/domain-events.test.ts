/**
 * The outbox as the publisher of the order service's domain events: every order event reaches
 * the topic (and so the audit queue) with its outbox row's event id, also when the publishing
 * dispatcher dies in the middle of a batch and another one takes over. A batch that rolled back
 * after some publishes sends those again, with the same ids: folded by id, each event is there
 * once, and the copies are identical.
 */
import type { Pool } from 'pg';
import { createLogger } from '../../../common/logger';
import { createPool } from '../../../common/postgres';
import type { DomainEvent, DomainEventPublisher } from '../../../common/domain-events';
import {
  createNotificationHandlers,
  startOutboxDispatcher,
  type OutboxDispatcher,
} from '../src/outbox';
import { createOutboxSchema, noMail } from '../../../test/support/outbox';
import {
  receiveEvents,
  testDomainEvents,
  type TestDomainEvents,
} from '../../../test/support/domain-events';
import { testDatabaseUrl } from '../../../test/support/services';

const logger = createLogger('test', { silent: true });
const schema = `domain_${process.pid}_${Date.now().toString(36)}`;
const pool = createPool(testDatabaseUrl(), { max: 6 });
const pools: Pool[] = [pool];
let events: TestDomainEvents;

beforeAll(async () => {
  await createOutboxSchema(pool, schema);
  events = await testDomainEvents(logger);
});
afterAll(async () => {
  await events.stop();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await Promise.all(pools.map((p) => p.end()));
});

const money = (amount: string) => ({ amount, currencyCode: 'USD' });
const order = (n: number) => ({
  type: 'order.placed',
  payload: {
    orderId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    number: 100_000 + n,
    email: `buyer-${n}@example.com`,
    ownerSub: null,
    placedAt: new Date().toISOString(),
    status: 'PAID',
    total: money('19.99'),
    lines: [
      {
        productId: 'p',
        variantId: 'v',
        sku: 'SKU',
        title: 'Tee',
        quantity: 1,
        unitPrice: money('19.99'),
      },
    ],
  },
});

const dispatcherWith = (db: Pool, topic: DomainEventPublisher): OutboxDispatcher =>
  startOutboxDispatcher({
    pool: db,
    schema,
    logger,
    batchSize: 5,
    pollIntervalMs: 60_000,
    handlers: createNotificationHandlers({
      mailer: noMail,
      cartUrl: 'http://127.0.0.1:1/graphql',
      searchUrl: 'http://127.0.0.1:1/graphql',
      identitySecret: 'not-used-by-these-tests-0123456789abcdef',
      logger,
      domainEvents: topic,
    }),
  });

it('publishes each order event once by id, also when the publisher dies mid-batch', async () => {
  const { rows } = await pool.query<{ event_id: string }>(
    `INSERT INTO ${schema}.outbox (type, payload)
     SELECT e.type, e.payload FROM jsonb_to_recordset($1::jsonb) AS e(type text, payload jsonb)
     RETURNING event_id::text`,
    [JSON.stringify(Array.from({ length: 12 }, (_, i) => order(i + 1)))],
  );
  const ids = rows.map((r) => r.event_id).sort();

  // After the 7th publish (the 2nd of the second batch of 5) the dispatcher's session dies with
  // its batch uncommitted, as if the process had been killed.
  const application = `domain-crash-${process.pid}`;
  const crashing = createPool(`${testDatabaseUrl()}?application_name=${application}`, { max: 3 });
  pools.push(crashing);
  let published = 0;
  let doomed: OutboxDispatcher | undefined;
  let stopping: Promise<void> | undefined;
  const dying: DomainEventPublisher = {
    async publish(...batch) {
      await events.topic.publish(...batch);
      published += batch.length;
      if (published !== 7) return;
      await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = $1 AND state = 'idle in transaction'`,
        [application],
      );
      stopping = doomed?.stop();
    },
    close: async () => undefined,
  };
  doomed = dispatcherWith(crashing, dying);
  await doomed.drain().catch(() => undefined);
  await stopping;
  const delivered = await pool.query(
    `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE delivered_at IS NOT NULL`,
  );
  expect(delivered.rows[0].n).toBe(5);

  // Another dispatcher (the restarted process, another replica) delivers the rest.
  const next = dispatcherWith(pool, events.topic);
  await next.drain();
  await next.stop();

  const received = await receiveEvents(
    events.sqs,
    events.resources.queues.audit.url,
    (got) => new Set(got.map((e) => e.id)).size >= 12,
    { quietSeconds: 2 },
  );
  const byId = new Map<string, DomainEvent[]>();
  for (const event of received) byId.set(event.id, [...(byId.get(event.id) ?? []), event]);
  expect([...byId.keys()].sort()).toEqual(ids);
  // The two publishes of the rolled-back batch came again, as the very same events.
  expect(received.length).toBe(14);
  for (const copies of byId.values()) {
    expect(copies.every((copy) => JSON.stringify(copy) === JSON.stringify(copies[0]))).toBe(true);
    expect(copies[0]).toMatchObject({ type: 'order.placed', version: 1, source: 'order' });
  }
});
