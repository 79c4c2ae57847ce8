/**
 * Payments go through a PaymentProvider: Stripe or Adyen in a real deployment, the built-in test
 * provider here. The order service captures the full amount at checkout, inside the checkout's
 * transaction just before it commits, and refunds through the same provider. Every call carries
 * an idempotency key derived from what is being done, so a retried call (after a timeout, or a
 * transaction that failed to commit) never charges or refunds twice.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { inTransaction, type Queryable } from '../../../common/postgres';

export interface CaptureRequest {
  /** Minor units. */
  amount: number;
  currency: string;
  /** The card token the client got from the provider's SDK. */
  token: string;
  /** The same key with the same request returns the first result, never a second charge. */
  idempotencyKey: string;
  /** What the charge is for, shown in the provider's dashboard ("cart <id>"). */
  reference: string;
}

export type CaptureOutcome =
  | { ok: true; ref: string; last4: string | null }
  | { ok: false; code: 'PAYMENT_DECLINED'; message: string };

export interface RefundRequest {
  /** The capture to refund from. */
  ref: string;
  /** Minor units. */
  amount: number;
  currency: string;
  idempotencyKey: string;
}

export interface PaymentProvider {
  /** Recorded with each payment, for example "stripe". */
  readonly name: string;
  /**
   * Charges the card. Resolves with the charge, or with a decline (an expected outcome); rejects
   * only when the provider cannot be reached or answers something unexpected.
   */
  capture(request: CaptureRequest): Promise<CaptureOutcome>;
  /** Gives back part or all of a capture; rejects when the provider refuses or cannot be reached. */
  refund(request: RefundRequest): Promise<{ ref: string }>;
  /**
   * The captures made between `from` and `to`, for the orphan-charge reconciler (Stripe: list
   * charges by `created`). A provider without it has its orphans found by hand.
   */
  captures?(window: { from: Date; to: Date }): Promise<ProviderCapture[]>;
}

/** A capture as the provider lists it. */
export interface ProviderCapture {
  ref: string;
  /** Minor units. */
  amount: number;
  currency: string;
  /** What the merchant said it was for. */
  reference: string | null;
  createdAt: Date;
}

/** The cards the test provider knows; every other token is declined. */
export const testCards: Readonly<Record<string, { last4: string }>> = {
  tok_visa: { last4: '4242' },
  tok_mastercard: { last4: '4444' },
};

interface ChargeRow {
  ref: string;
  kind: 'capture' | 'decline' | 'refund';
  token: string | null;
  amount: string;
  currency: string;
  last4: string | null;
}

const newRef = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

async function chargeByKey(db: Queryable, idempotencyKey: string): Promise<ChargeRow | null> {
  const { rows } = await db.query<ChargeRow>(
    `SELECT ref, kind, token, amount, currency, last4
       FROM orders.test_provider_charges WHERE idempotency_key = $1`,
    [idempotencyKey],
  );
  return rows[0] ?? null;
}

function outcomeOf(row: ChargeRow, request: CaptureRequest): CaptureOutcome {
  if (Number(row.amount) !== request.amount || row.token !== request.token) {
    // What Stripe does too: a key belongs to one request.
    throw new Error('the test provider saw this idempotency key with other parameters');
  }
  return row.kind === 'capture'
    ? { ok: true, ref: row.ref, last4: row.last4 }
    : { ok: false, code: 'PAYMENT_DECLINED', message: declineMessage(row.token ?? '') };
}

const declineMessage = (token: string) =>
  token === 'tok_chargeDeclined'
    ? 'The card was declined. Try another card.'
    : 'The payment was declined: the card is not one this store can charge. Try another card.';

/**
 * The built-in test provider: `tok_visa` (last4 4242) and `tok_mastercard` (4444) are charged,
 * `tok_chargeDeclined` and every other token are declined with PAYMENT_DECLINED. It keeps its
 * ledger in `orders.test_provider_charges`, written outside the order service's transactions,
 * as an external provider's would be: a charge stays charged when a checkout rolls back.
 *
 * Give it a pool of its own. It is called while a checkout's transaction holds a connection of
 * the order service's pool and row locks; were it to draw from that pool too, checkouts queued
 * behind those locks could take every connection and leave it none.
 */
export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test';

  constructor(private readonly pool: Pool) {}

  async capture(request: CaptureRequest): Promise<CaptureOutcome> {
    const seen = await chargeByKey(this.pool, request.idempotencyKey);
    if (seen) return outcomeOf(seen, request);
    const card = Object.prototype.hasOwnProperty.call(testCards, request.token)
      ? testCards[request.token]
      : undefined;
    const { rows } = await this.pool.query<ChargeRow>(
      `INSERT INTO orders.test_provider_charges
         (ref, kind, idempotency_key, reference, token, amount, currency, last4)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ref, kind, token, amount, currency, last4`,
      [
        newRef(card ? 'ch' : 'dc'),
        card ? 'capture' : 'decline',
        request.idempotencyKey,
        request.reference,
        request.token,
        request.amount,
        request.currency,
        card?.last4 ?? null,
      ],
    );
    const row = rows[0] ?? (await chargeByKey(this.pool, request.idempotencyKey));
    if (!row) throw new Error('the test provider lost a charge');
    return outcomeOf(row, request);
  }

  async captures(window: { from: Date; to: Date }): Promise<ProviderCapture[]> {
    const { rows } = await this.pool.query<{
      ref: string;
      amount: string;
      currency: string;
      reference: string | null;
      created_at: Date;
    }>(
      `SELECT ref, amount::text AS amount, currency, reference, created_at
         FROM orders.test_provider_charges
        WHERE kind = 'capture' AND created_at >= $1 AND created_at < $2
        ORDER BY created_at LIMIT 1000`,
      [window.from, window.to],
    );
    return rows.map((row) => ({
      ref: row.ref,
      amount: Number(row.amount),
      currency: row.currency,
      reference: row.reference,
      createdAt: row.created_at,
    }));
  }

  refund(request: RefundRequest): Promise<{ ref: string }> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<ChargeRow>(
        `SELECT ref, kind, token, amount, currency, last4
           FROM orders.test_provider_charges WHERE ref = $1 AND kind = 'capture' FOR UPDATE`,
        [request.ref],
      );
      const capture = rows[0];
      if (!capture) throw new Error(`the test provider has no charge ${request.ref}`);
      const seen = await chargeByKey(tx, request.idempotencyKey);
      if (seen) return { ref: seen.ref };
      const refunded = await tx.query<{ sum: string }>(
        `SELECT coalesce(sum(amount), 0)::text AS sum
           FROM orders.test_provider_charges WHERE charge_ref = $1 AND kind = 'refund'`,
        [request.ref],
      );
      if (
        request.amount <= 0 ||
        Number(refunded.rows[0].sum) + request.amount > Number(capture.amount)
      ) {
        throw new Error(`the test provider refuses to refund more than charge ${request.ref} has`);
      }
      const ref = newRef('re');
      await tx.query(
        `INSERT INTO orders.test_provider_charges
           (ref, kind, idempotency_key, amount, currency, charge_ref)
         VALUES ($1, 'refund', $2, $3, $4, $5)`,
        [ref, request.idempotencyKey, request.amount, request.currency, request.ref],
      );
      return { ref };
    });
  }
}
