/**
 * The outbox table (`<schema>.outbox`), from the dispatcher's side: claiming due rows and
 * recording how their delivery went. Rows are written by the order service's own transactions
 * (`appendOutbox`, below, in the transaction of the change). Every function takes the client
 * holding the batch's transaction.
 */
import type { Queryable } from '../../../../common/postgres';

/** A row of `outbox` as PostgreSQL returns it. */
export interface OutboxRow {
  id: string;
  event_id: string;
  type: string;
  payload: unknown;
  created_at: Date;
  attempts: number;
}

/** An event to deliver. */
export interface OutboxEvent {
  /** The row id (bigserial, as text): the delivery order. */
  id: string;
  /** Unique per event, stable across redeliveries: the key for idempotent handlers. */
  eventId: string;
  type: string;
  payload: unknown;
  createdAt: Date;
  /** Failed deliveries so far. */
  attempts: number;
}

export function rowToOutboxEvent(row: OutboxRow): OutboxEvent {
  return {
    id: row.id,
    eventId: row.event_id,
    type: row.type,
    payload: row.payload,
    createdAt: row.created_at,
    attempts: row.attempts,
  };
}

/** A PostgreSQL schema name, checked before it is put into SQL text. */
export function schemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return schema;
}

/**
 * Locks and returns up to `limit` undelivered rows that are due, oldest first, skipping rows
 * another transaction holds (another dispatcher's batch): two dispatchers never get the same row.
 * The locks last until the caller's transaction ends.
 */
export async function claimDue(
  tx: Queryable,
  schema: string,
  limit: number,
): Promise<OutboxEvent[]> {
  const { rows } = await tx.query<OutboxRow>(
    `SELECT id::text AS id, event_id::text AS event_id, type, payload, created_at, attempts
       FROM ${schemaName(schema)}.outbox
      WHERE delivered_at IS NULL AND available_at <= now()
      ORDER BY id
      LIMIT $1
      FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map(rowToOutboxEvent);
}

export async function markDelivered(tx: Queryable, schema: string, id: string): Promise<void> {
  await tx.query(
    `UPDATE ${schemaName(schema)}.outbox SET delivered_at = clock_timestamp() WHERE id = $1`,
    [id],
  );
}

/**
 * Records a failed delivery: one more attempt, the error, and the row becomes due again
 * `delayMs` from now (wall-clock time, not the transaction's start).
 */
export async function markFailed(
  tx: Queryable,
  schema: string,
  id: string,
  error: string,
  delayMs: number,
): Promise<void> {
  await tx.query(
    `UPDATE ${schemaName(schema)}.outbox
        SET attempts = attempts + 1,
            last_error = $2,
            available_at = clock_timestamp() + $3 * interval '1 millisecond'
      WHERE id = $1`,
    [id, error, Math.max(1, Math.round(delayMs))],
  );
}

/**
 * Parks a row that can never be delivered as it is (an invalid payload, an address the mail
 * server refuses): it stays undelivered, with the reason, and is not tried again until an
 * operator makes it due (`UPDATE <schema>.outbox SET available_at = now() WHERE id = …`).
 */
export async function markParked(
  tx: Queryable,
  schema: string,
  id: string,
  error: string,
): Promise<void> {
  await tx.query(
    `UPDATE ${schemaName(schema)}.outbox
        SET attempts = attempts + 1, last_error = $2, available_at = 'infinity'
      WHERE id = $1`,
    [id, error],
  );
}

/**
 * Appends an event to the transactional outbox, in the caller's transaction: it is delivered
 * (by the dispatcher) if and only if the change it reports commits.
 */
export async function appendOutbox(
  tx: Queryable,
  type: string,
  payload: object,
  schema = 'orders',
): Promise<void> {
  await tx.query(`INSERT INTO ${schemaName(schema)}.outbox (type, payload) VALUES ($1, $2)`, [
    type,
    JSON.stringify(payload),
  ]);
  // Wakes every dispatcher when (and only if) the transaction commits; PostgreSQL folds the
  // notifications of one transaction on one channel into one.
  await tx.query(`SELECT pg_notify('${outboxChannel(schema)}', '')`);
}

/** The channel a change to `<schema>.outbox` is announced on (LISTEN/NOTIFY). */
export const outboxChannel = (schema: string) => `${schemaName(schema)}_outbox`;
