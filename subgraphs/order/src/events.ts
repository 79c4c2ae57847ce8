/**
 * The payloads of the events the order service appends to its outbox (the dispatcher in
 * src/outbox delivers them): what changed, with enough of the order for an email, and
 * what the search service needs to know.
 */
import { formatMinorUnits } from '../../../common/money';
import type { Order, OrderLine } from './domain';
import type {
  CartCheckedOutPayload,
  MoneyPayload,
  OrderEventPayload,
  SearchOrderPlacedPayload,
  SearchStockChangedPayload,
} from './outbox/events';

const money = (minor: number, currencyCode: string): MoneyPayload => ({
  amount: formatMinorUnits(minor),
  currencyCode,
});

/** "Aurora Lamp — Black / M"; the product title alone when the variant adds nothing. */
export function lineDisplayTitle(line: Pick<OrderLine, 'title' | 'variantTitle'>): string {
  const variant = line.variantTitle.trim();
  return variant === '' || variant === line.title || /^default( title)?$/i.test(variant)
    ? line.title
    : `${line.title} — ${variant}`;
}

export function orderEventPayload(
  order: Order,
  lines: readonly Pick<OrderLine, 'sku' | 'title' | 'variantTitle' | 'quantity' | 'unitPrice'>[],
  extra: { trackingNumber?: string | null; refundedAmount?: number } = {},
): OrderEventPayload {
  return {
    orderId: order.id,
    number: order.number,
    email: order.email,
    status: order.status,
    total: money(order.total, order.currency),
    lines: lines.map((line) => ({
      sku: line.sku,
      title: lineDisplayTitle(line),
      quantity: line.quantity,
      unitPrice: money(line.unitPrice, order.currency),
    })),
    ...(extra.trackingNumber ? { trackingNumber: extra.trackingNumber } : {}),
    ...(extra.refundedAmount !== undefined
      ? { refundedAmount: money(extra.refundedAmount, order.currency) }
      : {}),
  };
}

export const cartCheckedOutPayload = (cartId: string, orderId: string): CartCheckedOutPayload => ({
  cartId,
  orderId,
});

/** `search.order_placed`: who bought what together, one line per variant, in the order's order. */
export function searchOrderPlacedPayload(
  order: Pick<Order, 'id' | 'ownerSub' | 'createdAt'>,
  lines: readonly Pick<OrderLine, 'productId' | 'variantId' | 'quantity'>[],
): SearchOrderPlacedPayload {
  return {
    orderId: order.id,
    ownerSub: order.ownerSub,
    placedAt: order.createdAt,
    lines: lines.map((line) => ({
      productId: line.productId,
      variantId: line.variantId,
      quantity: line.quantity,
    })),
  };
}

/** `search.stock_changed`: the products, each once, sorted. */
export const searchStockChangedPayload = (
  productIds: Iterable<string>,
): SearchStockChangedPayload => ({ productIds: [...new Set(productIds)].sort() });
