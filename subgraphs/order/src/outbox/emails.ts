/**
 * The customer emails for order events: a subject, plain text and a simple HTML version with the
 * lines and the totals. Amounts are computed in minor units (never floating point) and shown as
 * the API shows them, "19.99 USD".
 */
import { escapeHtml } from '../../../../common/email';
import { formatMinorUnits, parseMinorUnits } from '../../../../common/money';
import {
  OutboxEventType,
  type MoneyPayload,
  type OrderEventPayload,
  type OrderEventType,
} from './events';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const show = (money: MoneyPayload) => `${money.amount} ${money.currencyCode}`;

/** unit × quantity, exactly; null when the amount cannot be read (it is then left out). */
function lineTotal(unit: MoneyPayload, quantity: number): MoneyPayload | null {
  const negative = unit.amount.startsWith('-');
  const minor = parseMinorUnits(negative ? unit.amount.slice(1) : unit.amount);
  if (minor === null) return null;
  const total = minor * quantity * (negative ? -1 : 1);
  if (!Number.isSafeInteger(total)) return null;
  return { amount: formatMinorUnits(total), currencyCode: unit.currencyCode };
}

interface Wording {
  subject: string;
  /** Paragraphs before the lines. */
  intro: string[];
}

function wording(type: OrderEventType, order: OrderEventPayload): Wording {
  const number = `#${order.number}`;
  switch (type) {
    case OutboxEventType.OrderPlaced:
      return {
        subject: `Order ${number} confirmed`,
        intro: [
          `Thank you for your order ${number}. We have received your payment and are getting your order ready.`,
        ],
      };
    case OutboxEventType.OrderFulfilled:
      return {
        subject: `Order ${number} has shipped`,
        intro: [
          `Good news: your order ${number} is on its way.`,
          ...(order.trackingNumber ? [`Tracking number: ${order.trackingNumber}`] : []),
        ],
      };
    case OutboxEventType.OrderCancelled:
      return {
        subject: `Order ${number} cancelled`,
        intro: [
          `Your order ${number} has been cancelled.`,
          `We are refunding ${show(order.refundedAmount ?? order.total)} to your payment method.`,
        ],
      };
    case OutboxEventType.OrderRefunded:
      return {
        subject: `Order ${number} refunded`,
        intro: [
          order.refundedAmount
            ? `We have refunded ${show(order.refundedAmount)} for your order ${number}.`
            : `We have issued a refund for your order ${number}.`,
          'It can take a few days to appear on your statement.',
        ],
      };
  }
}

export function renderOrderEmail(
  type: OrderEventType,
  order: OrderEventPayload,
  storeName = 'Storefront',
): RenderedEmail {
  const { subject, intro } = wording(type, order);
  const lines = order.lines.map((line) => ({
    ...line,
    total: lineTotal(line.unitPrice, line.quantity),
  }));

  const text = [
    'Hello,',
    '',
    ...intro.flatMap((p) => [p, '']),
    `Order ${`#${order.number}`}:`,
    ...lines.map(
      (l) =>
        `  ${l.quantity} x ${l.title} (${l.sku}) at ${show(l.unitPrice)}` +
        (l.total ? ` = ${show(l.total)}` : ''),
    ),
    '',
    `Total: ${show(order.total)}`,
    ...(order.refundedAmount ? [`Refunded: ${show(order.refundedAmount)}`] : []),
    '',
    `Order reference: ${order.orderId}`,
    '',
    storeName,
    '',
  ].join('\n');

  const cell = 'style="padding:4px 8px;border-bottom:1px solid #ddd"';
  const right = 'style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:right"';
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;line-height:1.4">',
    '<p>Hello,</p>',
    ...intro.map((p) => `<p>${escapeHtml(p)}</p>`),
    '<table style="border-collapse:collapse" cellspacing="0">',
    `<thead><tr><th ${cell}>Item</th><th ${right}>Quantity</th><th ${right}>Price</th><th ${right}>Total</th></tr></thead>`,
    '<tbody>',
    ...lines.map(
      (l) =>
        `<tr><td ${cell}>${escapeHtml(l.title)}<br><small>${escapeHtml(l.sku)}</small></td>` +
        `<td ${right}>${l.quantity}</td><td ${right}>${escapeHtml(show(l.unitPrice))}</td>` +
        `<td ${right}>${l.total ? escapeHtml(show(l.total)) : ''}</td></tr>`,
    ),
    '</tbody>',
    '<tfoot>',
    `<tr><th colspan="3" ${right}>Total</th><th ${right}>${escapeHtml(show(order.total))}</th></tr>`,
    ...(order.refundedAmount
      ? [
          `<tr><th colspan="3" ${right}>Refunded</th><th ${right}>${escapeHtml(show(order.refundedAmount))}</th></tr>`,
        ]
      : []),
    '</tfoot>',
    '</table>',
    `<p style="color:#666;font-size:12px">Order reference: ${escapeHtml(order.orderId)}</p>`,
    `<p>${escapeHtml(storeName)}</p>`,
    '</body></html>',
    '',
  ].join('\n');

  return { subject, text, html };
}
