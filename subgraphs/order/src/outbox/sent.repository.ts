/**
 * `<schema>.notifications_sent`: one row per outbox event whose email the mail server accepted
 * (migration 003_notifications.sql). Written right after the server's 250, in its own
 * statement (committed at once, whatever becomes of the dispatcher's batch), and read before
 * sending: a redelivered event whose email already went out is not sent again.
 */
import type { Queryable } from '../../../../common/postgres';
import { schemaName } from './outbox.repository';

export async function notificationSent(
  db: Queryable,
  schema: string,
  eventId: string,
): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM ${schemaName(schema)}.notifications_sent WHERE event_id = $1`,
    [eventId],
  );
  return rows.length > 0;
}

export async function recordNotificationSent(
  db: Queryable,
  schema: string,
  eventId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO ${schemaName(schema)}.notifications_sent (event_id, sent_at)
     VALUES ($1, clock_timestamp())
     ON CONFLICT (event_id) DO NOTHING`,
    [eventId],
  );
}
