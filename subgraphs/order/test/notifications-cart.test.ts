/**
 * `cart.checked_out` through the outbox: after an order is placed, the order service tells the
 * cart service to empty the cart, with its own signed service identity, and keeps trying until
 * the cart service has done it. The cart service here is a fake HTTP endpoint that records what
 * reached it. Outbox rows are written directly into a schema of this file's own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '../../../common/logger';
import { createPool } from '../../../common/postgres';
import {
  createNotificationHandlers,
  startOutboxDispatcher,
  type OutboxDispatcher,
} from '../src/outbox';
import { createOutboxSchema, noMail, recordingService } from '../../../test/support/outbox';
import { testDatabaseUrl } from '../../../test/support/services';

const schema = `notify_cart_${process.pid}_${Date.now().toString(36)}`;
const pool = createPool(testDatabaseUrl(), { max: 5 });
const secret = randomBytes(32).toString('base64url');
const logger = createLogger('test', { silent: true });

beforeAll(async () => {
  await createOutboxSchema(pool, schema);
});

const dispatchers: OutboxDispatcher[] = [];
afterEach(async () => {
  await Promise.allSettled(dispatchers.splice(0).map((d) => d.stop()));
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

// ---- a dispatcher delivering to the cart service ----------------------------------------------

function dispatcher(cartUrl: string): OutboxDispatcher {
  const started = startOutboxDispatcher({
    pool,
    handlers: createNotificationHandlers({
      mailer: noMail,
      cartUrl,
      searchUrl: 'http://127.0.0.1:1/graphql',
      identitySecret: secret,
      logger,
    }),
    logger,
    schema,
    pollIntervalMs: 10,
    baseBackoffMs: 100,
    maxBackoffMs: 1_000,
  });
  dispatchers.push(started);
  return started;
}

async function checkedOut(cartId: string, orderId: string): Promise<string> {
  const { rows } = await pool.query<{ event_id: string }>(
    `INSERT INTO ${schema}.outbox (type, payload) VALUES ('cart.checked_out', $1) RETURNING event_id::text`,
    [JSON.stringify({ cartId, orderId })],
  );
  return rows[0].event_id;
}

interface OutboxState {
  attempts: number;
  last_error: string | null;
  delivered: boolean;
}

async function state(eventId: string): Promise<OutboxState> {
  const { rows } = await pool.query<OutboxState>(
    `SELECT attempts, last_error, delivered_at IS NOT NULL AS delivered
       FROM ${schema}.outbox WHERE event_id = $1`,
    [eventId],
  );
  return rows[0];
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- behaviour ----------------------------------------------------------------------------------

describe('emptying the cart after checkout', () => {
  it('asks the cart service as the order service, and retries with backoff until it succeeds', async () => {
    const cart = await recordingService(secret, [
      { status: 503, body: { errors: [{ message: 'unavailable' }] } },
      {
        status: 200,
        body: {
          data: null,
          errors: [
            { message: 'DynamoDB timed out', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
          ],
        },
      },
      { status: 200, body: { data: { cartCheckedOut: true } } },
    ]);
    try {
      const cartId = randomUUID();
      const orderId = randomUUID();
      const eventId = await checkedOut(cartId, orderId);
      dispatcher(cart.url);

      await eventually(async () => (await state(eventId)).delivered);

      expect(cart.calls).toHaveLength(3);
      for (const call of cart.calls) {
        expect(call.identity).toEqual({
          viewer: {
            kind: 'user',
            sub: 'service:order',
            username: 'service:order',
            groups: ['service'],
            isAdmin: false,
            accessToken: '',
          },
          clientIp: null,
        });
        expect(call.query).toMatch(/cartCheckedOut\(id: \$id, orderId: \$orderId\)/);
        expect(call.variables).toEqual({ id: cartId, orderId });
      }
      // First retry 50-100 ms after the first failure, the second 100-200 ms after the second.
      expect(cart.calls[1].at - cart.calls[0].at).toBeGreaterThanOrEqual(45);
      expect(cart.calls[2].at - cart.calls[1].at).toBeGreaterThanOrEqual(95);

      const after = await state(eventId);
      expect(after.attempts).toBe(2);
      expect(after.last_error).toContain('INTERNAL_SERVER_ERROR: DynamoDB timed out');

      // Delivered means done: the cart service is not called again.
      await new Promise((r) => setTimeout(r, 150));
      expect(cart.calls).toHaveLength(3);
    } finally {
      await cart.close();
    }
  });

  it('keeps the event while the cart service is down and delivers it when it is back', async () => {
    const down = await recordingService(secret, [
      { status: 200, body: { data: { cartCheckedOut: true } } },
    ]);
    const url = down.url;
    await down.close();
    const eventId = await checkedOut(randomUUID(), randomUUID());
    const first = dispatcher(url);
    await first.drain();

    const failed = await state(eventId);
    expect(failed).toMatchObject({ delivered: false });
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.last_error).toMatch(/fetch failed/);
    await first.stop();

    const back = await recordingService(secret, [
      { status: 200, body: { data: { cartCheckedOut: true } } },
    ]);
    try {
      dispatcher(back.url);
      await eventually(async () => (await state(eventId)).delivered);
      expect(back.calls).toHaveLength(1);
    } finally {
      await back.close();
    }
  });

  it('does not count a cart service that answers without emptying the cart as done', async () => {
    const refusing = await recordingService(secret, [
      {
        status: 200,
        body: { data: null, errors: [{ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } }] },
      },
    ]);
    try {
      const eventId = await checkedOut(randomUUID(), randomUUID());
      await dispatcher(refusing.url).drain();
      const after = await state(eventId);
      expect(after).toMatchObject({ delivered: false, attempts: 1 });
      expect(after.last_error).toContain('FORBIDDEN');
    } finally {
      await refusing.close();
    }
  });
});
