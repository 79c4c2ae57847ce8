/**
 * The orphan-charge reconciler. Checkout captures the payment inside its transaction, just
 * before it commits; if the commit then fails (the database fails over, the process dies) the
 * shopper is charged for an order that does not exist. Every `ORPHAN_CHARGE_SCAN_SECONDS` the
 * reconciler lists the provider's captures of the last day that are older than
 * `ORPHAN_CHARGE_GRACE_SECONDS` (longer than any checkout's transaction), and refunds in full
 * each one no payment of an order records, with the idempotency key `orphan_<charge>` (a refund
 * retried after a crash is not given twice). The refund is recorded in `orphan_charge_refunds`
 * with a `payment.orphan_refunded` domain event in the same transaction, and counted in
 * `storefront_orphan_charges_refunded_total`. So an orphan is refunded within grace + scan
 * (3 minutes by default). Every replica may run it: the row lock on the charge's record and the
 * provider's idempotency key keep one refund per charge.
 *
 * Each pass also applies the payment provider's reports that waited for their checkout
 * (payment-event.service.ts).
 */
import type { Pool } from 'pg';
import { Counter, register } from 'prom-client';
import { domainEvent } from '../../../common/domain-events';
import type { Logger } from '../../../common/logger';
import { formatMinorUnits } from '../../../common/money';
import { inTransaction } from '../../../common/postgres';
import { appendDomainEvent, ORDER_SOURCE } from './outbox/domain';
import { applyPendingPaymentEvents } from './payment-event.service';
import type { PaymentProvider } from './payments';

export const orphanChargesRefunded = new Counter({
  name: 'storefront_orphan_charges_refunded_total',
  help: 'Charges captured for checkouts that never committed, refunded by the reconciler.',
  registers: [register],
});

export interface ReconcilerOptions {
  pool: Pool;
  payments: PaymentProvider;
  logger: Logger;
  /** A capture younger than this may still belong to a checkout about to commit; default 120 s. */
  graceSeconds?: number;
  /** Between passes; default 60 s. */
  scanSeconds?: number;
  /** How far back a pass looks; default a day. */
  lookbackSeconds?: number;
}

export interface ReconcileReport {
  refunded: string[];
  applied: number;
}

export class OrphanChargeReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: ReconcilerOptions) {}

  /** One pass: refunds the orphans found, applies waiting provider reports. */
  async runOnce(now: Date = new Date()): Promise<ReconcileReport> {
    const { pool, payments, logger } = this.options;
    const refunded: string[] = [];
    if (payments.captures) {
      const to = new Date(now.getTime() - (this.options.graceSeconds ?? 120) * 1_000);
      const from = new Date(to.getTime() - (this.options.lookbackSeconds ?? 86_400) * 1_000);
      const captures = await payments.captures({ from, to });
      const refs = captures.map((c) => c.ref);
      const { rows } = await pool.query<{ ref: string }>(
        `SELECT provider_ref AS ref FROM orders.payments WHERE provider_ref = ANY($1)
         UNION SELECT charge_ref FROM orders.orphan_charge_refunds WHERE charge_ref = ANY($1)`,
        [refs],
      );
      const known = new Set(rows.map((r) => r.ref));
      for (const capture of captures.filter((c) => !known.has(c.ref))) {
        const done = await inTransaction(pool, async (tx) => {
          // Serialises replicas on the charge; a payment that appeared meanwhile wins.
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [capture.ref]);
          const { rowCount } = await tx.query(
            `SELECT 1 FROM orders.payments WHERE provider_ref = $1
             UNION ALL SELECT 1 FROM orders.orphan_charge_refunds WHERE charge_ref = $1`,
            [capture.ref],
          );
          if (rowCount !== 0) return false;
          const refund = await payments.refund({
            ref: capture.ref,
            amount: capture.amount,
            currency: capture.currency,
            idempotencyKey: `orphan_${capture.ref}`,
          });
          await tx.query(
            `INSERT INTO orders.orphan_charge_refunds
               (charge_ref, refund_ref, amount, currency, reference) VALUES ($1, $2, $3, $4, $5)`,
            [capture.ref, refund.ref, capture.amount, capture.currency, capture.reference],
          );
          await appendDomainEvent(
            tx,
            domainEvent('payment.orphan_refunded', ORDER_SOURCE, capture.ref, {
              chargeRef: capture.ref,
              refundRef: refund.ref,
              amount: { amount: formatMinorUnits(capture.amount), currencyCode: capture.currency },
              reference: capture.reference,
              capturedAt: capture.createdAt.toISOString(),
            }),
          );
          return true;
        });
        if (done) {
          refunded.push(capture.ref);
          orphanChargesRefunded.inc();
          logger.warn('refunded a charge whose order never committed', {
            chargeRef: capture.ref,
            amount: capture.amount,
          });
        }
      }
    }
    const applied = await applyPendingPaymentEvents(pool);
    return { refunded, applied };
  }

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.running = this.runOnce()
          .catch((error: unknown) =>
            this.options.logger.warn('orphan-charge reconciliation failed; trying again', {
              error: error instanceof Error ? error.message : String(error),
            }),
          )
          .finally(() => this.schedule());
      },
      (this.options.scanSeconds ?? 60) * 1_000,
    );
    this.timer.unref();
  }
}
