/**
 * Checkout's idempotency keys (`orders.checkout_idempotency`): a key is bound to a hash of the
 * checkout's input and, once that checkout commits, to the order it placed. Every function takes
 * the pool or the client holding the checkout's transaction.
 */
import type { Queryable } from '../../../common/postgres';

export interface IdempotencyRecord {
  inputHash: string;
  /** The order the key placed; null while the checkout holding the key has not committed. */
  orderId: string | null;
}

export async function findIdempotencyKey(
  db: Queryable,
  scope: string,
  key: string,
): Promise<IdempotencyRecord | null> {
  const { rows } = await db.query<{ input_hash: string; order_id: string | null }>(
    'SELECT input_hash, order_id FROM orders.checkout_idempotency WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  return rows[0] ? { inputHash: rows[0].input_hash, orderId: rows[0].order_id } : null;
}

/**
 * Takes the key for this transaction. While it is uncommitted, a concurrent claim of the same key
 * waits for it; it then gets false when this transaction committed (the key is used) and true
 * when it rolled back (the key is free again).
 */
export async function claimIdempotencyKey(
  tx: Queryable,
  scope: string,
  key: string,
  inputHash: string,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO orders.checkout_idempotency (scope, key, input_hash) VALUES ($1, $2, $3)
     ON CONFLICT (scope, key) DO NOTHING`,
    [scope, key, inputHash],
  );
  return rowCount === 1;
}

export async function completeIdempotencyKey(
  tx: Queryable,
  scope: string,
  key: string,
  orderId: string,
): Promise<void> {
  await tx.query(
    'UPDATE orders.checkout_idempotency SET order_id = $3 WHERE scope = $1 AND key = $2',
    [scope, key, orderId],
  );
}
