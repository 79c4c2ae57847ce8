/**
 * The outbox dispatcher: delivers the events the order service wrote to `<schema>.outbox` in the
 * same transactions as its changes, at least once, however many replicas run it.
 *
 * One pass: in a transaction, lock up to `batchSize` due rows (`delivered_at IS NULL AND
 * available_at <= now()`, by id, `FOR UPDATE SKIP LOCKED`), run each row's handler in turn, mark
 * it delivered, or record the failure (attempts + 1, `last_error`, due again after an
 * exponential backoff with jitter, capped at `maxBackoffMs`), and commit. Another replica's
 * claim skips the locked rows, so no row is handled by two dispatchers at once; once committed,
 * a delivered row is never claimed again. Passes repeat while full batches come back with some
 * success, then the dispatcher sleeps `pollIntervalMs`.
 *
 * If the process dies in the middle of a batch, its transaction rolls back and the rows are
 * delivered again later: handlers must be idempotent (they get the stable `eventId`).
 *
 * Outcomes other than success:
 * - a handler that throws (or takes longer than `handlerTimeoutMs`): retried with backoff;
 * - a handler that throws a PermanentDeliveryError, or an InvalidPayloadError: parked, that is
 *   left undelivered with `available_at = 'infinity'` and the reason, for an operator;
 * - an event type with no handler: retried at the maximum backoff, never dropped, so that in a
 *   rolling deploy a replica that knows the type (the newer version) delivers it.
 */
import { Client, type Pool, type PoolClient } from 'pg';
import type { Logger } from '../../../../common/logger';
import type { Queryable } from '../../../../common/postgres';
import { InvalidPayloadError } from './events';
import {
  claimDue,
  markDelivered,
  markFailed,
  markParked,
  outboxChannel,
  schemaName,
  type OutboxEvent,
} from './outbox.repository';
import { watchOutbox } from './outbox.metrics';

/** What a handler gets besides the event. */
export interface DeliveryResources {
  /**
   * The pool, outside the batch's transaction: what a handler writes here is committed at once,
   * even if the batch later rolls back (for records of side effects already done).
   */
  db: Queryable;
  /** The PostgreSQL schema of the outbox (and of the handlers' own tables). */
  schema: string;
  logger: Logger;
}

/** Delivers one event; resolves when done, throws to have it retried later. Must be idempotent. */
export type OutboxHandler = (event: OutboxEvent, resources: DeliveryResources) => Promise<void>;

export type OutboxHandlers = Readonly<Record<string, OutboxHandler>>;

/** Thrown by a handler for an event that will never be deliverable: the row is parked. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export interface OutboxDispatcherOptions {
  pool: Pool;
  handlers: OutboxHandlers;
  logger: Logger;
  /** Rows locked and handled per transaction; default 20. */
  batchSize?: number;
  /** Sleep between passes when nothing more is due; default 1000 ms. */
  pollIntervalMs?: number;
  /** First retry delay, doubled with every further failure; default 1000 ms. */
  baseBackoffMs?: number;
  /** Longest retry delay; default 15 minutes. */
  maxBackoffMs?: number;
  /** A handler still running after this long counts as failed; default 60 s. */
  handlerTimeoutMs?: number;
  /** The schema holding `outbox`; default `orders`. */
  schema?: string;
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number;
}

export interface OutboxDispatcher {
  /** Stops polling and waits for the batch in progress to commit. Idempotent. */
  stop(): Promise<void>;
  /**
   * Runs passes now (after the one in progress, if any) until nothing claimable is due: every row
   * due now that no other dispatcher holds is delivered or has its failure recorded.
   */
  drain(): Promise<void>;
}

/** Delay before the next try after `failures` failed ones (1, 2, …): capped, half of it random. */
export function backoffDelay(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.max(1, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

const MAX_ERROR_LENGTH = 500;

/** An error as stored in `last_error`: one line, bounded, no credentials from URLs. */
export function describeError(error: unknown): string {
  let raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
  if (error instanceof Error && error.cause instanceof Error && error.cause.message) {
    raw += ` (${error.cause.message})`;
  }
  const clean = raw
    .replace(/\/\/[^/@\s]*@/g, '//***@')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH - 1)}…` : clean;
}

type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; error: string; delayMs: number }
  | { kind: 'parked'; error: string };

interface BatchResult {
  claimed: number;
  delivered: number;
}

class HandlerTimeoutError extends Error {
  constructor(ms: number) {
    super(`the handler did not finish within ${ms} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HandlerTimeoutError(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function startOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const { pool, handlers, logger } = options;
  const schema = schemaName(options.schema ?? 'orders');
  const unwatch = watchOutbox(pool, schema);
  const batchSize = options.batchSize ?? 20;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const baseBackoffMs = options.baseBackoffMs ?? 1_000;
  const maxBackoffMs = Math.max(options.maxBackoffMs ?? 15 * 60_000, baseBackoffMs);
  const handlerTimeoutMs = options.handlerTimeoutMs ?? 60_000;
  const random = options.random ?? Math.random;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be >= 1');
  const resources: DeliveryResources = { db: pool, schema, logger };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  /** The pass in progress (or the last one): passes of one dispatcher never overlap. */
  let queue: Promise<void> = Promise.resolve();

  async function deliver(event: OutboxEvent): Promise<Outcome> {
    const handler = Object.prototype.hasOwnProperty.call(handlers, event.type)
      ? handlers[event.type]
      : undefined;
    if (!handler) {
      logger.warn('outbox event of a type this service does not handle; retrying later', {
        eventId: event.eventId,
        type: event.type,
      });
      return {
        kind: 'retry',
        error: `no handler for event type "${event.type}"`,
        delayMs: maxBackoffMs,
      };
    }
    try {
      await withTimeout(handler(event, resources), handlerTimeoutMs);
      return { kind: 'delivered' };
    } catch (error) {
      const message = describeError(error);
      if (error instanceof PermanentDeliveryError || error instanceof InvalidPayloadError) {
        logger.error('outbox event cannot be delivered; parked', {
          eventId: event.eventId,
          type: event.type,
          error: message,
        });
        return { kind: 'parked', error: message };
      }
      const delayMs = backoffDelay(event.attempts + 1, baseBackoffMs, maxBackoffMs, random);
      logger.warn('outbox delivery failed; will retry', {
        eventId: event.eventId,
        type: event.type,
        attempts: event.attempts + 1,
        retryInMs: delayMs,
        error: message,
      });
      return { kind: 'retry', error: message, delayMs };
    }
  }

  async function runBatch(): Promise<BatchResult> {
    const client: PoolClient = await pool.connect();
    let broken: Error | undefined;
    // A connection lost while the batch holds it (failover, a killed session) is reported as an
    // 'error' event, which would end the process if nobody listened; the next query then fails.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const events = await claimDue(client, schema, batchSize);
      let delivered = 0;
      for (const event of events) {
        const outcome = await deliver(event);
        if (outcome.kind === 'delivered') {
          await markDelivered(client, schema, event.id);
          delivered += 1;
        } else if (outcome.kind === 'parked') {
          await markParked(client, schema, event.id, outcome.error);
        } else {
          await markFailed(client, schema, event.id, outcome.error, outcome.delayMs);
        }
      }
      await client.query('COMMIT');
      return { claimed: events.length, delivered };
    } catch (error) {
      broken ??= error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', onError);
      // A client whose connection failed is discarded rather than returned to the pool.
      client.release(broken);
    }
  }

  /** Batches until one comes back short or without a single success (an outage downstream). */
  async function pass(): Promise<void> {
    while (!stopped) {
      const { claimed, delivered } = await runBatch();
      if (claimed < batchSize || delivered === 0) return;
    }
  }

  function exclusive(work: () => Promise<void>): Promise<void> {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  }

  function schedule(delayMs = pollIntervalMs): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void exclusive(pass)
        .catch((error: unknown) => {
          logger.warn('outbox pass failed', { error: describeError(error) });
        })
        .finally(() => {
          const again = wakeRequested;
          wakeRequested = false;
          schedule(again ? 0 : pollIntervalMs);
        });
    }, delayMs);
    timer.unref();
  }

  /** A commit appended events: run a pass now, or right after the one in progress. */
  let wakeRequested = false;
  function wake(): void {
    if (stopped) return;
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
      schedule(0);
    } else {
      wakeRequested = true;
    }
  }
  const listener = listenForCommits(pool, outboxChannel(schema), wake, logger);

  // The first pass at once: what piled up while no dispatcher ran goes out first.
  schedule(0);

  return {
    async stop() {
      stopped = true;
      unwatch();
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.all([queue, listener.close()]);
    },
    drain() {
      if (stopped) return Promise.reject(new Error('the outbox dispatcher is stopped'));
      return exclusive(pass);
    },
  };
}

/**
 * LISTENs on `channel` on a connection of its own (reconnecting after a failure) and calls
 * `onNotify` for each notification. Polling still runs: a missed notification only waits for it.
 */
function listenForCommits(
  pool: Pool,
  channel: string,
  onNotify: () => void,
  logger: Logger,
): { close(): Promise<void> } {
  let client: Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const later = () => {
    if (!closed) retry = setTimeout(() => void connect(), 1_000).unref();
  };
  const connect = async () => {
    const next = new Client(pool.options);
    next.on('notification', () => onNotify());
    next.on('error', () => undefined); // followed by 'end'
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      logger.debug('outbox: cannot listen for commits; polling only for now', {
        error: describeError(error),
      });
      await next.end().catch(() => undefined);
      later();
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    next.once('end', () => {
      if (client === next) client = null;
      later();
    });
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
