/**
 * Signed webhooks from the systems around the store (the warehouse, the payment provider).
 *
 * The sender signs every delivery with a secret both sides share:
 *   x-webhook-timestamp: <unix seconds when it was sent>
 *   x-webhook-signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * The receiver recomputes the HMAC over the raw bytes it received (never a re-serialised
 * body), compares in constant time, refuses a timestamp more than 5 minutes away from its
 * clock, and refuses a delivery it has already taken (the same signature again: a replay within
 * the 5 minutes). Several `v1=` values separated by commas are accepted, for rotating secrets.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const SIGNATURE_HEADER = 'x-webhook-signature';
/** How far a delivery's timestamp may be from now. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookRefusal =
  | { code: 'WEBHOOK_SIGNATURE_INVALID'; message: string }
  | { code: 'WEBHOOK_TIMESTAMP_EXPIRED'; message: string };

export const signWebhook = (secret: string, timestamp: number, body: string | Buffer) =>
  `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value;
};

/**
 * Checks a delivery's signature and timestamp. Resolves with the signature (the key under which
 * the receiver records the delivery, to refuse a replay) or the reason it is refused.
 */
export function verifyWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  nowMs: number = Date.now(),
): { ok: true; signature: string } | ({ ok: false } & WebhookRefusal) {
  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signatures = (header(headers, SIGNATURE_HEADER) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='));
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    return {
      ok: false,
      code: 'WEBHOOK_SIGNATURE_INVALID',
      message: `The delivery needs ${TIMESTAMP_HEADER} (unix seconds) and ${SIGNATURE_HEADER} (v1=<hex>).`,
    };
  }
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body));
  const match = signatures.find((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!match) {
    return {
      ok: false,
      code: 'WEBHOOK_SIGNATURE_INVALID',
      message: 'The signature does not match the body and timestamp.',
    };
  }
  if (Math.abs(nowMs / 1_000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
    return {
      ok: false,
      code: 'WEBHOOK_TIMESTAMP_EXPIRED',
      message: `The timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes from now; send a new delivery.`,
    };
  }
  return { ok: true, signature: match };
}
