/**
 * `search.order_placed` and `search.stock_changed` through the outbox: the order service tells
 * the search service, with its own signed service identity, and keeps trying with backoff until
 * the search service answers `true`. The search service here is a small HTTP endpoint that
 * records what reached it and checks the identity assertion. Outbox rows are written directly
 * into a schema of this file's own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { serviceIdentity } from '../../../common/identity';
import { createLogger } from '../../../common/logger';
import { createPool } from '../../../common/postgres';
import {
  createNotificationHandlers,
  startOutboxDispatcher,
  type OutboxDispatcher,
  type SearchOrderPlacedPayload,
} from '../src/outbox';

import { createOutboxSchema, noMail, recordingService } from '../../../test/support/outbox';
import { testDatabaseUrl } from '../../../test/support/services';

const schema = `notify_search_${process.pid}_${Date.now().toString(36)}`;
const pool = createPool(testDatabaseUrl(), { max: 5 });
const secret = randomBytes(32).toString('base64url');
const logger = createLogger('test', { silent: true });
/** Nothing listens there: connections are refused at once. */
const unreachable = 'http://127.0.0.1:1/graphql';

beforeAll(async () => {
  await createOutboxSchema(pool, schema);
});

const dispatchers: OutboxDispatcher[] = [];
afterEach(async () => {
  await Promise.allSettled(dispatchers.splice(0).map((d) => d.stop()));
  // Each test starts with an empty outbox: no event a test left failing reaches the next one.
  await pool.query(`DELETE FROM ${schema}.outbox`);
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

// ---- a dispatcher delivering to the search service --------------------------------------------

/** A dispatcher whose handlers read the search URL from `target` at every delivery. */
function dispatcher(target: { url: string }): OutboxDispatcher {
  const started = startOutboxDispatcher({
    pool,
    handlers: createNotificationHandlers({
      mailer: noMail,
      cartUrl: unreachable,
      get searchUrl() {
        return target.url;
      },
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

async function append(type: string, payload: unknown): Promise<string> {
  const { rows } = await pool.query<{ event_id: string }>(
    `INSERT INTO ${schema}.outbox (type, payload) VALUES ($1, $2) RETURNING event_id::text`,
    [type, JSON.stringify(payload)],
  );
  return rows[0].event_id;
}

interface OutboxState {
  attempts: number;
  last_error: string | null;
  delivered: boolean;
  parked: boolean;
}

async function state(eventId: string): Promise<OutboxState> {
  const { rows } = await pool.query<OutboxState>(
    `SELECT attempts, last_error, delivered_at IS NOT NULL AS delivered,
            available_at = 'infinity' AS parked
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

const orderPlaced = (overrides: Partial<SearchOrderPlacedPayload> = {}) => ({
  orderId: randomUUID(),
  ownerSub: randomUUID(),
  placedAt: '2026-03-01T12:34:56.789Z',
  lines: [
    { productId: 'p-lamp', variantId: 'v-lamp-black', quantity: 2 },
    { productId: 'p-bulb', variantId: 'v-bulb-e27', quantity: 1 },
  ],
  ...overrides,
});

const ok = (field: string) => ({ status: 200, body: { data: { [field]: true } } });

// ---- behaviour ----------------------------------------------------------------------------------

describe('telling the search service about a placed order', () => {
  it('calls searchOrderPlaced as the order service, and retries with backoff until it answers true', async () => {
    const search = await recordingService(secret, [
      { status: 503, body: { errors: [{ message: 'unavailable' }] } },
      {
        status: 200,
        body: {
          data: null,
          errors: [{ message: 'index is busy', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        },
      },
      { status: 200, body: { data: { searchOrderPlaced: false } } },
      ok('searchOrderPlaced'),
    ]);
    try {
      const payload = orderPlaced();
      const eventId = await append('search.order_placed', payload);
      dispatcher(search);

      await eventually(async () => (await state(eventId)).delivered);

      expect(search.calls).toHaveLength(4);
      for (const call of search.calls) {
        expect(call.identity).toEqual(serviceIdentity('order'));
        expect(call.query).toMatch(
          /^mutation SearchOrderPlaced\(\$input: SearchOrderPlacedInput!\) \{\s*searchOrderPlaced\(input: \$input\)\s*\}$/,
        );
        expect(call.variables).toEqual({ input: payload });
      }
      // Backoff: 50-100 ms after the first failure, 100-200 ms after the second, 200-400 after
      // the third.
      expect(search.calls[1].at - search.calls[0].at).toBeGreaterThanOrEqual(45);
      expect(search.calls[2].at - search.calls[1].at).toBeGreaterThanOrEqual(95);
      expect(search.calls[3].at - search.calls[2].at).toBeGreaterThanOrEqual(195);

      const after = await state(eventId);
      expect(after.attempts).toBe(3);
      // The last failure was the answer that was not true.
      expect(after.last_error).toContain('searchOrderPlaced answered false');

      // Delivered means done: the search service is not called again.
      await new Promise((r) => setTimeout(r, 150));
      expect(search.calls).toHaveLength(4);
    } finally {
      await search.close();
    }
  });

  it('sends a guest order with a null owner', async () => {
    const search = await recordingService(secret, [ok('searchOrderPlaced')]);
    try {
      const payload = orderPlaced({ ownerSub: null });
      const eventId = await append('search.order_placed', payload);
      await dispatcher(search).drain();
      expect(await state(eventId)).toMatchObject({ delivered: true, attempts: 0 });
      expect(search.calls.map((c) => c.variables)).toEqual([
        { input: { ...payload, ownerSub: null } },
      ]);
    } finally {
      await search.close();
    }
  });

  it.each([
    ['no lines', { lines: [] }, 'lines must be a non-empty array'],
    [
      'a quantity of 0',
      { lines: [{ productId: 'p', variantId: 'v', quantity: 0 }] },
      'lines[0].quantity must be a whole number from 1',
    ],
    [
      'a line without a product',
      { lines: [{ variantId: 'v', quantity: 1 }] },
      'lines[0].productId must be a non-empty string',
    ],
    ['an owner that is not a string', { ownerSub: 42 }, 'ownerSub must be a non-empty string'],
    ['a time that is not one', { placedAt: 'yesterday' }, 'placedAt must be an ISO 8601'],
  ])('parks an event with %s, without calling the search service', async (_, change, error) => {
    const search = await recordingService(secret, [ok('searchOrderPlaced')]);
    try {
      const eventId = await append('search.order_placed', { ...orderPlaced(), ...change });
      await dispatcher(search).drain();
      const after = await state(eventId);
      expect(after).toMatchObject({ delivered: false, parked: true, attempts: 1 });
      expect(after.last_error).toContain(`invalid search.order_placed payload: ${error}`);
      expect(search.calls).toEqual([]);
    } finally {
      await search.close();
    }
  });
});

describe('telling the search service about stock changes', () => {
  it('keeps the event while the search service is down and delivers it when it is back', async () => {
    // The URL is read at every delivery: the same dispatcher reaches the service once it is up.
    const target = { url: unreachable };
    const eventId = await append('search.stock_changed', {
      productIds: ['p-2', 'p-1', 'p-2'],
    });
    const running = dispatcher(target);
    await running.drain();

    const failed = await state(eventId);
    expect(failed).toMatchObject({ delivered: false, parked: false });
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.last_error).toMatch(/the search service did not answer \(.*fetch failed\)/);

    const search = await recordingService(secret, [ok('searchStockChanged')]);
    try {
      target.url = search.url;
      await eventually(async () => (await state(eventId)).delivered);
      expect(search.calls).toHaveLength(1);
      const [call] = search.calls;
      expect(call.identity).toEqual(serviceIdentity('order'));
      expect(call.query).toMatch(
        /^mutation SearchStockChanged\(\$productIds: \[ID!\]!\) \{\s*searchStockChanged\(productIds: \$productIds\)\s*\}$/,
      );
      // Each product once, sorted.
      expect(call.variables).toEqual({ productIds: ['p-1', 'p-2'] });
    } finally {
      await search.close();
    }
  });

  it.each([
    ['false', { status: 200, body: { data: { searchStockChanged: false } } }, 'answered false'],
    ['null', { status: 200, body: { data: { searchStockChanged: null } } }, 'answered null'],
    [
      'an error',
      {
        status: 200,
        body: { data: null, errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] },
      },
      'the search service did not answer (FORBIDDEN)',
    ],
    ['HTTP 500', { status: 500, body: {} }, 'the search service did not answer (HTTP 500)'],
  ])('does not count an answer of %s as done', async (_, reply, error) => {
    const search = await recordingService(secret, [reply]);
    try {
      const eventId = await append('search.stock_changed', { productIds: ['p-1'] });
      await dispatcher(search).drain();
      const after = await state(eventId);
      expect(after).toMatchObject({ delivered: false, parked: false, attempts: 1 });
      expect(after.last_error).toContain(error);
      expect(search.calls).toHaveLength(1);
    } finally {
      await search.close();
    }
  });

  it('parks an event whose product ids are not a list of ids, and has nothing to say for none', async () => {
    const search = await recordingService(secret, [ok('searchStockChanged')]);
    try {
      const notAList = await append('search.stock_changed', { productIds: 'p-1' });
      const blank = await append('search.stock_changed', { productIds: ['p-1', ' '] });
      const none = await append('search.stock_changed', { productIds: [] });
      await dispatcher(search).drain();

      expect(await state(notAList)).toMatchObject({ delivered: false, parked: true });
      expect((await state(notAList)).last_error).toContain('productIds must be an array');
      expect(await state(blank)).toMatchObject({ delivered: false, parked: true });
      expect((await state(blank)).last_error).toContain('productIds[1] must be a non-empty string');
      expect(await state(none)).toMatchObject({ delivered: true, attempts: 0 });
      expect(search.calls).toEqual([]);
    } finally {
      await search.close();
    }
  });
});
