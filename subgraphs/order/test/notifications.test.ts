/**
 * Order emails through the outbox: the dispatcher over the test PostgreSQL, the SMTP mailer, and
 * the embedded mail server as the recipient's side. The outbox rows are written directly, as the
 * order service's transactions write them, into a schema of this file's own (the outbox DDL of
 * the orders/checkout interface plus the notifications migration), so no other test's events are
 * delivered here and none of these reach another test.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { SMTPServer } from 'smtp-server';
import {
  startEmbeddedSmtp,
  type EmbeddedSmtp,
  type ReceivedMail,
} from '../../../dev/embedded/smtp';
import type { LogFields, Logger } from '../../../common/logger';
import { createSmtpMailer, type Mailer } from '../../../common/mail';
import { createPool, inTransaction } from '../../../common/postgres';
import {
  backoffDelay,
  createNotificationHandlers,
  startOutboxDispatcher,
  type OrderEventPayload,
  type OutboxDispatcher,
  type OutboxDispatcherOptions,
  type OutboxHandlers,
} from '../src/outbox';
import { describeError } from '../src/outbox/dispatcher';
import { appendOutbox } from '../src/outbox/outbox.repository';
import { createOutboxSchema } from '../../../test/support/outbox';
import { testDatabaseUrl } from '../../../test/support/services';

// ---- a private outbox ---------------------------------------------------------------------------

const schema = `notify_${process.pid}_${Date.now().toString(36)}`;
const pool = createPool(testDatabaseUrl(), { max: 10 });
const from = 'Storefront <orders@example.com>';

interface Row {
  id: string;
  event_id: string;
  type: string;
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
  available_at: Date;
  parked: boolean;
}

/** Appends events as the order service's transactions do; returns their event ids in order. */
async function append(events: { type: string; payload: unknown }[]): Promise<string[]> {
  const { rows } = await pool.query<{ event_id: string }>(
    `INSERT INTO ${schema}.outbox (type, payload)
     SELECT e.type, e.payload FROM jsonb_to_recordset($1::jsonb) AS e(type text, payload jsonb)
     RETURNING event_id::text`,
    [JSON.stringify(events)],
  );
  return rows.map((r) => r.event_id);
}

async function rows(eventIds: string[]): Promise<Row[]> {
  const result = await pool.query<Row>(
    `SELECT id::text, event_id::text, type, attempts, last_error, delivered_at, available_at,
            available_at = 'infinity' AS parked
       FROM ${schema}.outbox WHERE event_id = ANY($1::uuid[]) ORDER BY id`,
    [eventIds],
  );
  return result.rows;
}

async function sentLedger(eventIds: string[]): Promise<string[]> {
  const result = await pool.query<{ event_id: string }>(
    `SELECT event_id::text FROM ${schema}.notifications_sent WHERE event_id = ANY($1::uuid[])`,
    [eventIds],
  );
  return result.rows.map((r) => r.event_id).sort();
}

// ---- the pieces under test ----------------------------------------------------------------------

interface LogEntry {
  level: string;
  message: string;
  fields: LogFields;
}

function recordingLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const make = (base: LogFields): Logger => ({
    debug: (message, fields) =>
      entries.push({ level: 'debug', message, fields: { ...base, ...fields } }),
    info: (message, fields) =>
      entries.push({ level: 'info', message, fields: { ...base, ...fields } }),
    warn: (message, fields) =>
      entries.push({ level: 'warn', message, fields: { ...base, ...fields } }),
    error: (message, fields) =>
      entries.push({ level: 'error', message, fields: { ...base, ...fields } }),
    child: (fields) => make({ ...base, ...fields }),
  });
  return Object.assign(make({}), { entries });
}

let smtp: EmbeddedSmtp;
let mailer: Mailer;
const dispatchers: OutboxDispatcher[] = [];
const pools: Pool[] = [];

function handlersFor(m: Mailer, logger: Logger = recordingLogger()): OutboxHandlers {
  return createNotificationHandlers({
    mailer: m,
    cartUrl: 'http://127.0.0.1:1/graphql',
    searchUrl: 'http://127.0.0.1:1/graphql',
    identitySecret: 'not-used-by-these-tests-0123456789abcdef',
    logger,
  });
}

function dispatcher(
  options: Partial<OutboxDispatcherOptions> & Pick<OutboxDispatcherOptions, 'handlers'>,
): OutboxDispatcher {
  const started = startOutboxDispatcher({
    pool,
    logger: recordingLogger(),
    schema,
    batchSize: 5,
    // After the first pass at start, only drain() delivers, unless a test wants the loop.
    pollIntervalMs: 60_000,
    baseBackoffMs: 50,
    maxBackoffMs: 400,
    ...options,
  });
  dispatchers.push(started);
  return started;
}

/** One dispatcher delivers what is due now, then stops (as a replica that shuts down). */
async function deliverDue(
  options: Partial<OutboxDispatcherOptions> & Pick<OutboxDispatcherOptions, 'handlers'>,
): Promise<void> {
  const once = dispatcher(options);
  try {
    await once.drain();
  } finally {
    await once.stop();
  }
}

function otherPool(applicationName: string): Pool {
  const created = createPool(testDatabaseUrl(), { max: 4, application_name: applicationName });
  pools.push(created);
  return created;
}

beforeAll(async () => {
  await createOutboxSchema(pool, schema);
  smtp = await startEmbeddedSmtp();
  mailer = createSmtpMailer({ url: smtp.url, from });
});

afterEach(async () => {
  await Promise.allSettled(dispatchers.splice(0).map((d) => d.stop()));
});

afterAll(async () => {
  await Promise.allSettled(pools.map((p) => p.end()));
  await mailer?.close();
  await smtp?.stop();
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

// ---- helpers ------------------------------------------------------------------------------------

const money = (amount: string, currencyCode = 'USD') => ({ amount, currencyCode });

function order(overrides: Partial<OrderEventPayload> = {}): OrderEventPayload {
  const tag = randomUUID().slice(0, 8);
  return {
    orderId: randomUUID(),
    number: 100_000 + Math.floor(Math.random() * 900_000),
    email: `shopper-${tag}@example.test`,
    status: 'PAID',
    total: money('64.97'),
    lines: [
      { sku: 'TEE-BLU-M', title: 'Classic Tee - Blue / M', quantity: 2, unitPrice: money('19.99') },
      { sku: 'MUG-01', title: 'Mug <"Morning">', quantity: 1, unitPrice: money('24.99') },
    ],
    ...overrides,
  };
}

const orders = (count: number) =>
  Array.from({ length: count }, () => ({ type: 'order.placed', payload: order() }));

/** Messages received for these event ids (by Message-ID), across the given servers. */
function mailFor(eventIds: string[], servers: EmbeddedSmtp[] = [smtp]): ReceivedMail[] {
  const wanted = new Set(eventIds);
  return servers
    .flatMap((s) => s.messages())
    .filter((m) => wanted.has(eventIdOf(m.messageId) ?? ''));
}

/** `<order.placed.<uuid>@example.com>` → the uuid. */
function eventIdOf(messageId: string): string | undefined {
  return /\.([0-9a-f-]{36})@/.exec(messageId)?.[1];
}

function countBy<T>(items: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A mailer that runs `after` once the server accepted a message (the real send comes first). */
function tapped(inner: Mailer, after: (sent: number) => Promise<void> | void): Mailer {
  let sent = 0;
  return {
    async send(message) {
      await inner.send(message);
      sent += 1;
      await after(sent);
    },
    close: () => inner.close(),
  };
}

// ---- behaviour ----------------------------------------------------------------------------------

describe('order emails', () => {
  it('emails the customer once for each order event, with a subject saying what happened', async () => {
    const placed = order();
    const fulfilled = order({ status: 'FULFILLED', trackingNumber: '1Z999AA10123456784' });
    const cancelled = order({ status: 'CANCELLED', refundedAmount: money('64.97') });
    const refunded = order({ status: 'REFUNDED', refundedAmount: money('24.99') });
    const ids = await append([
      { type: 'order.placed', payload: placed },
      { type: 'order.fulfilled', payload: fulfilled },
      { type: 'order.cancelled', payload: cancelled },
      { type: 'order.refunded', payload: refunded },
    ]);

    await deliverDue({ handlers: handlersFor(mailer) });

    const received = mailFor(ids);
    expect(received.map((m) => [m.to, m.subject, m.messageId])).toEqual([
      [[placed.email], `Order #${placed.number} confirmed`, `<order.placed.${ids[0]}@example.com>`],
      [
        [fulfilled.email],
        `Order #${fulfilled.number} has shipped`,
        `<order.fulfilled.${ids[1]}@example.com>`,
      ],
      [
        [cancelled.email],
        `Order #${cancelled.number} cancelled`,
        `<order.cancelled.${ids[2]}@example.com>`,
      ],
      [
        [refunded.email],
        `Order #${refunded.number} refunded`,
        `<order.refunded.${ids[3]}@example.com>`,
      ],
    ]);
    for (const mail of received) {
      expect(mail.from).toBe(from);
      expect(mail.headers['x-storefront-message-id']).toBe(mail.messageId);
    }

    const [confirmation, shipped, cancellation, refund] = received;
    // The lines with exact totals, in text and HTML.
    expect(confirmation.text).toContain(
      '2 x Classic Tee - Blue / M (TEE-BLU-M) at 19.99 USD = 39.98 USD',
    );
    expect(confirmation.text).toContain('1 x Mug <"Morning"> (MUG-01) at 24.99 USD = 24.99 USD');
    expect(confirmation.text).toContain('Total: 64.97 USD');
    expect(confirmation.text).toContain(`Order reference: ${placed.orderId}`);
    expect(confirmation.html).toContain('Mug &lt;&quot;Morning&quot;&gt;');
    expect(confirmation.html).toContain('39.98 USD');
    expect(confirmation.html).not.toContain('<"Morning">');
    expect(shipped.text).toContain('Tracking number: 1Z999AA10123456784');
    expect(cancellation.text).toContain('We are refunding 64.97 USD');
    expect(refund.text).toContain('We have refunded 24.99 USD');
    expect(refund.text).toContain('Refunded: 24.99 USD');

    const after = await rows(ids);
    expect(after.every((r) => r.delivered_at !== null && r.attempts === 0)).toBe(true);
    expect(await sentLedger(ids)).toEqual([...ids].sort());
  });

  it('does not email again when an event whose email went out is delivered again', async () => {
    const ids = await append(orders(3));
    await deliverDue({ handlers: handlersFor(mailer) });
    expect(mailFor(ids)).toHaveLength(3);

    // As after a batch that sent the emails but never committed: the rows are due again.
    await pool.query(
      `UPDATE ${schema}.outbox SET delivered_at = NULL WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    const logger = recordingLogger();
    await deliverDue({ handlers: handlersFor(mailer, logger) });

    expect(mailFor(ids)).toHaveLength(3);
    expect((await rows(ids)).every((r) => r.delivered_at !== null)).toBe(true);
    expect(logger.entries.filter((e) => e.message.includes('already sent'))).toHaveLength(3);
  });

  it('delivers every email exactly once when a dispatcher stops part-way and another takes over', async () => {
    const ids = await append(orders(12));
    let first: OutboxDispatcher | undefined;
    let stopping: Promise<void> | undefined;
    // Stop the first dispatcher while its second batch is being sent.
    const stopAfterSeven = tapped(mailer, (sent) => {
      if (sent === 7) stopping = first?.stop();
    });
    first = dispatcher({ handlers: handlersFor(stopAfterSeven) });
    await first.drain();
    await stopping;

    // It finished the batch it was in (rows 6 to 10) and took no other.
    expect((await rows(ids)).filter((r) => r.delivered_at !== null)).toHaveLength(10);

    await deliverDue({ handlers: handlersFor(mailer) });

    const perEvent = countBy(mailFor(ids).map((m) => eventIdOf(m.messageId)));
    expect(perEvent.size).toBe(12);
    expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
    expect((await rows(ids)).every((r) => r.delivered_at !== null)).toBe(true);
  });

  it('never sends an accepted email twice when a dispatcher dies in the middle of a batch', async () => {
    const ids = await append(orders(12));
    const crashing = otherPool(`notify-crash-${process.pid}`);
    // Right after the server accepts the 7th email, the dispatcher's database session dies with
    // its batch (emails 6 and 7) uncommitted, as if the process had been killed.
    let doomed: OutboxDispatcher | undefined;
    let stopping: Promise<void> | undefined;
    const dieAfterSeven = tapped(mailer, async (sent) => {
      if (sent !== 7) return;
      const { rowCount } = await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = $1 AND state = 'idle in transaction'`,
        [`notify-crash-${process.pid}`],
      );
      expect(rowCount).toBe(1);
      stopping = doomed?.stop();
    });
    doomed = dispatcher({ pool: crashing, handlers: handlersFor(dieAfterSeven) });
    await expect(doomed.drain()).rejects.toThrow(/connection|terminat/);
    await stopping;

    // The first batch committed; the second rolled back, although two of its emails went out.
    expect((await rows(ids)).filter((r) => r.delivered_at !== null)).toHaveLength(5);
    expect(mailFor(ids)).toHaveLength(7);
    expect(await sentLedger(ids)).toHaveLength(7);

    await deliverDue({ handlers: handlersFor(mailer) });

    const perEvent = countBy(mailFor(ids).map((m) => eventIdOf(m.messageId)));
    expect(perEvent.size).toBe(12);
    expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
    expect((await rows(ids)).every((r) => r.delivered_at !== null)).toBe(true);
  });

  it('retries with growing delays while the mail server is down and delivers everything once it is back', async () => {
    const outage = await startEmbeddedSmtp();
    const port = outage.port;
    const outageMailer = createSmtpMailer({ url: outage.url, from });
    await outage.stop();
    let back: EmbeddedSmtp | undefined;
    try {
      const ids = await append(orders(6));
      const logger = recordingLogger();
      dispatcher({
        handlers: handlersFor(outageMailer),
        logger,
        pollIntervalMs: 20,
        baseBackoffMs: 100,
        maxBackoffMs: 400,
      });

      // Down for 900 ms: polled ~45 times, but each row is tried only as its backoff allows
      // (50-100, then 100-200, 200-400, 200-400 ms after each failure).
      await new Promise((r) => setTimeout(r, 900));
      const during = await rows(ids);
      expect(during.every((r) => r.delivered_at === null)).toBe(true);
      for (const row of during) {
        expect(row.attempts).toBeGreaterThanOrEqual(2);
        expect(row.attempts).toBeLessThanOrEqual(6);
        expect(row.last_error).toMatch(/ECONNREFUSED/);
      }
      const retries = logger.entries.filter(
        (e) => e.message === 'outbox delivery failed; will retry',
      );
      const delays = retries.map((e) => e.fields.retryInMs as number);
      expect(Math.max(...delays)).toBeGreaterThanOrEqual(100);
      expect(Math.max(...delays)).toBeLessThanOrEqual(400);

      back = await startEmbeddedSmtp({ port });
      const server = back;
      await eventually(async () => (await rows(ids)).every((r) => r.delivered_at !== null));

      const perEvent = countBy(mailFor(ids, [server]).map((m) => eventIdOf(m.messageId)));
      expect(perEvent.size).toBe(6);
      expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
      // The history stays on the row: how many tries it took and the last failure.
      expect((await rows(ids)).every((r) => r.attempts >= 2 && r.last_error !== null)).toBe(true);
    } finally {
      await Promise.allSettled(dispatchers.splice(0).map((d) => d.stop()));
      await outageMailer.close();
      await back?.stop();
    }
  });

  it('has each event handled by one dispatcher only when several run at once', async () => {
    const ids = await append(orders(40));
    const handledBy = new Map<string, string[]>();
    // Handlers that record who handled what and take a moment, so the dispatchers overlap.
    const recording = (name: string): OutboxHandlers => {
      const inner = handlersFor(mailer);
      return {
        'order.placed': async (event, context) => {
          handledBy.set(event.eventId, [...(handledBy.get(event.eventId) ?? []), name]);
          await new Promise((r) => setTimeout(r, 10));
          await inner['order.placed'](event, context);
        },
      };
    };
    const replicas = ['a', 'b', 'c'].map((name) =>
      dispatcher({
        pool: otherPool(`notify-replica-${name}-${process.pid}`),
        handlers: recording(name),
        pollIntervalMs: 5,
      }),
    );
    await Promise.all(replicas.map((r) => r.drain()));
    await eventually(async () => (await rows(ids)).every((r) => r.delivered_at !== null));
    await Promise.all(replicas.map((r) => r.stop()));

    expect(handledBy.size).toBe(40);
    expect([...handledBy.values()].every((names) => names.length === 1)).toBe(true);
    const share = countBy([...handledBy.values()].map((names) => names[0]));
    expect(share.size).toBeGreaterThanOrEqual(2);
    const perEvent = countBy(mailFor(ids).map((m) => eventIdOf(m.messageId)));
    expect(perEvent.size).toBe(40);
    expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
  });

  it('parks an event that can never be sent and keeps one of an unknown type for a replica that knows it', async () => {
    const good = order();
    const ids = await append([
      { type: 'order.placed', payload: { ...order(), email: 'not-an-address' } },
      { type: 'order.shipped_to_moon', payload: order() },
      { type: 'order.placed', payload: good },
    ]);
    const logger = recordingLogger();
    const before = Date.now();
    await deliverDue({ handlers: handlersFor(mailer), logger, maxBackoffMs: 60_000 });

    const [invalid, unknown, delivered] = await rows(ids);
    expect(invalid).toMatchObject({ delivered_at: null, attempts: 1, parked: true });
    expect(invalid.last_error).toContain('email is not an email address');
    expect(unknown).toMatchObject({ delivered_at: null, attempts: 1, parked: false });
    expect(unknown.last_error).toBe('no handler for event type "order.shipped_to_moon"');
    expect(unknown.available_at.getTime()).toBeGreaterThanOrEqual(before + 59_000);
    expect(delivered.delivered_at).not.toBeNull();
    expect(mailFor(ids).map((m) => m.to)).toEqual([[good.email]]);
    expect(logger.entries.map((e) => [e.level, e.message])).toEqual(
      expect.arrayContaining([
        ['error', 'outbox event cannot be delivered; parked'],
        ['warn', 'outbox event of a type this service does not handle; retrying later'],
      ]),
    );

    // A parked row stays out of the way until an operator makes it due again.
    await deliverDue({ handlers: handlersFor(mailer) });
    expect((await rows([ids[0]]))[0]).toMatchObject({ attempts: 1, parked: true });
  });

  it('parks an email whose recipient the mail server refuses for good, and retries a refusal for now', async () => {
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('gone-')) {
          callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        } else if (address.address.startsWith('busy-')) {
          callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
        } else {
          callback();
        }
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    const port = await new Promise<number>((resolve) => {
      refusing.listen(0, '127.0.0.1', () => {
        const address = refusing.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    const refusingMailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from });
    try {
      const ids = await append([
        { type: 'order.placed', payload: order({ email: 'gone-1@example.test' }) },
        { type: 'order.placed', payload: order({ email: 'busy-1@example.test' }) },
        { type: 'order.placed', payload: order() },
      ]);
      await deliverDue({ handlers: handlersFor(refusingMailer) });

      const [gone, busy, fine] = await rows(ids);
      expect(gone).toMatchObject({ delivered_at: null, parked: true, attempts: 1 });
      expect(gone.last_error).toContain('550');
      expect(busy).toMatchObject({ delivered_at: null, parked: false, attempts: 1 });
      expect(busy.last_error).toContain('451');
      expect(fine.delivered_at).not.toBeNull();
    } finally {
      await refusingMailer.close();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });
});

describe('the retry schedule', () => {
  it('doubles the delay with every failure up to the cap, with up to half of it random', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1_000, 10_000, low))).toEqual([
      500, 1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1_000, 10_000, high))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
    expect(backoffDelay(1_000, 1_000, 15 * 60_000)).toBeLessThanOrEqual(15 * 60_000);
  });

  it('stores errors as one bounded line without the credentials of a URL', () => {
    const stored = describeError(
      new Error(`connect to smtp://user:hunter2@mail.example.com failed\n${'x'.repeat(2_000)}`),
    );
    expect(stored).not.toContain('hunter2');
    expect(stored).toContain('smtp://***@mail.example.com');
    expect(stored).not.toContain('\n');
    expect(stored.length).toBeLessThanOrEqual(500);
  });
});

describe('waking on commit', () => {
  /** The dispatcher's own connection is listening once it shows in pg_stat_activity. */
  async function listening(channel: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const { rows: found } = await pool.query(
        `SELECT 1 FROM pg_stat_activity WHERE query = $1 AND state = 'idle'`,
        [`LISTEN ${channel}`],
      );
      if (found.length > 0) return;
      if (Date.now() > deadline) throw new Error(`nobody listens on ${channel}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('delivers an event as soon as the transaction that appended it commits, not at the next poll', async () => {
    const delivered: string[] = [];
    dispatcher({
      handlers: {
        'test.wake': async (event) => {
          delivered.push(event.eventId);
        },
      },
      pollIntervalMs: 60_000,
    });
    await listening(`${schema}_outbox`);
    const eventId = await inTransaction(pool, async (tx) => {
      await appendOutbox(tx, 'test.wake', { n: 1 }, schema);
      const { rows: appended } = await tx.query<{ event_id: string }>(
        `SELECT event_id::text FROM ${schema}.outbox WHERE type = 'test.wake' ORDER BY id DESC LIMIT 1`,
      );
      // Not before the commit: nothing is delivered while the transaction is open.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(delivered).toEqual([]);
      return appended[0].event_id;
    });
    const deadline = Date.now() + 5_000;
    while (!delivered.includes(eventId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(delivered).toEqual([eventId]);
  });
});
