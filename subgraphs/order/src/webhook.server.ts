/**
 * The order service's webhook endpoints, for the systems around the store:
 *
 *   POST /webhooks/fulfillment  the warehouse: a shipment left (shipment.service.ts)
 *   POST /webhooks/payments     the payment provider: captures, disputes, refunds
 *                               (payment-event.service.ts)
 *
 * Served by the order service's own HTTP server (it owns orders and payments, and applies both
 * in its transactions); the gateway, the only public port, forwards `/webhooks/*` to it
 * unchanged. Each delivery is signed (common/webhook-signature.ts) with the endpoint's secret
 * (FULFILLMENT_WEBHOOK_SECRET, PAYMENTS_WEBHOOK_SECRET; an endpoint without its secret answers
 * 404). The signature is recorded in the delivery's transaction, so the same signed request
 * again is a replay (409) while a delivery that failed (5xx) may be sent again as it was.
 *
 * Answers: `{ "ok": true, "outcome": "applied" | "duplicate" | "pending" }` (200; 202 for
 * pending), or `{ "error": { "code", "message" } }` with 400, 401, 404, 409, 413, 422 or 500.
 */
import type { ServerResponse } from 'node:http';
import type { Pool, PoolClient } from 'pg';
import { errors } from '../../../common/errors';
import { readRawBody, sendJson, type Route } from '../../../common/http';
import type { Logger } from '../../../common/logger';
import { inTransaction } from '../../../common/postgres';
import { verifyWebhook } from '../../../common/webhook-signature';
import { parsePaymentEvent, receivePaymentEvent } from './payment-event.service';
import { applyShipment, parseShipment } from './shipment.service';

export const FULFILLMENT_WEBHOOK_PATH = '/webhooks/fulfillment';
export const PAYMENTS_WEBHOOK_PATH = '/webhooks/payments';
const MAX_BODY_BYTES = 64 * 1024;

export interface WebhookSettings {
  pool: Pool;
  logger: Logger;
  /** FULFILLMENT_WEBHOOK_SECRET; unset: the endpoint is off. */
  fulfillmentSecret?: string;
  /** PAYMENTS_WEBHOOK_SECRET; unset: the endpoint is off. */
  paymentsSecret?: string;
}

type Outcome = { status: number; outcome: string };

/** Refused after the signature checked out: rolls the delivery's transaction back. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
  sendJson(res, status, { error: { code, message } });

const handlers: Record<string, (tx: PoolClient, body: unknown) => Promise<Outcome>> = {
  async [FULFILLMENT_WEBHOOK_PATH](tx, body) {
    const shipment = parseShipment(body);
    if (typeof shipment === 'string') {
      throw new Refused(400, errors.webhookPayloadInvalid.code, shipment);
    }
    const result = await applyShipment(tx, shipment);
    if (result.kind === 'refused') {
      throw new Refused(422, errors.webhookPayloadInvalid.code, result.message);
    }
    return { status: 200, outcome: result.kind };
  },
  async [PAYMENTS_WEBHOOK_PATH](tx, body) {
    const event = parsePaymentEvent(body);
    if (typeof event === 'string') throw new Refused(400, errors.webhookPayloadInvalid.code, event);
    const result = await receivePaymentEvent(tx, event);
    return { status: result.kind === 'pending' ? 202 : 200, outcome: result.kind };
  },
};

export function webhookRoutes(settings: WebhookSettings): Route {
  const secrets: Record<string, string | undefined> = {
    [FULFILLMENT_WEBHOOK_PATH]: settings.fulfillmentSecret,
    [PAYMENTS_WEBHOOK_PATH]: settings.paymentsSecret,
  };
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith('/webhooks/')) return false;
    const secret = secrets[path];
    const handler = Object.prototype.hasOwnProperty.call(handlers, path) ? handlers[path] : null;
    if (!secret || !handler || req.method !== 'POST') {
      refuse(res, 404, 'NOT_FOUND', 'There is no webhook here.');
      return true;
    }
    const body = await readRawBody(req, MAX_BODY_BYTES);
    if (!body) {
      refuse(res, 413, errors.webhookPayloadInvalid.code, 'The body is larger than 64 KB.');
      return true;
    }
    const verified = verifyWebhook(secret, req.headers, body);
    if (!verified.ok) {
      refuse(res, 401, verified.code, verified.message);
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      refuse(res, 400, errors.webhookPayloadInvalid.code, 'The body is not JSON.');
      return true;
    }
    try {
      const result = await inTransaction(settings.pool, async (tx) => {
        const taken = await tx.query(
          `INSERT INTO orders.webhook_deliveries (signature, source) VALUES ($1, $2)
           ON CONFLICT (signature) DO NOTHING`,
          [verified.signature, path],
        );
        if (taken.rowCount === 0) {
          throw new Refused(
            409,
            errors.webhookReplayed.code,
            'This delivery was already received.',
          );
        }
        await tx.query(
          `DELETE FROM orders.webhook_deliveries WHERE received_at < now() - interval '10 minutes'`,
        );
        return handler(tx, parsed);
      });
      sendJson(res, result.status, { ok: true, outcome: result.outcome });
    } catch (error) {
      if (error instanceof Refused) {
        refuse(res, error.status, error.code, error.message);
      } else {
        settings.logger.error('webhook delivery failed', {
          path,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        refuse(res, 500, errors.internal.code, 'The delivery could not be applied; send it again.');
      }
    }
    return true;
  };
}
