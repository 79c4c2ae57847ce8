/**
 * The events the order service writes to its outbox, their payloads (JSON) and how they are
 * built from an order. The writer (checkout, fulfilment, cancel, refund, the stock changes)
 * appends a row in the same transaction as the change; the dispatcher delivers it afterwards. Payloads are read
 * defensively: a row is data written by another version of the service, not a type the compiler
 * has checked.
 */
import { isEmailAddress } from '../../../../common/email';
import { formatMinorUnits } from '../../../../common/money';
import type { OrderChanged, StockChanged } from '../../../../common/store-events';
import type { Order, OrderLine } from '../domain';

export const OutboxEventType = {
  OrderPlaced: 'order.placed',
  OrderFulfilled: 'order.fulfilled',
  OrderCancelled: 'order.cancelled',
  OrderRefunded: 'order.refunded',
  CartCheckedOut: 'cart.checked_out',
  /** For the search service: what was bought together, and by whom (recommendations). */
  SearchOrderPlaced: 'search.order_placed',
  /** For the search service: products whose stock changed other than by a checkout. */
  SearchStockChanged: 'search.stock_changed',
  /** For the gateways (cache purges, live updates): a store event, published on the bus. */
  StoreEvent: 'store.event',
  /** A domain event for the SNS topic only (payment disputes, orphan refunds): its envelope. */
  DomainEvent: 'domain.event',
} as const;

export type OrderEventType =
  | typeof OutboxEventType.OrderPlaced
  | typeof OutboxEventType.OrderFulfilled
  | typeof OutboxEventType.OrderCancelled
  | typeof OutboxEventType.OrderRefunded;

export const orderEventTypes: readonly OrderEventType[] = [
  OutboxEventType.OrderPlaced,
  OutboxEventType.OrderFulfilled,
  OutboxEventType.OrderCancelled,
  OutboxEventType.OrderRefunded,
];

/** Money as the API shows it: `{ amount: "19.99", currencyCode: "USD" }`. */
export interface MoneyPayload {
  amount: string;
  currencyCode: string;
}

export interface OrderLinePayload {
  /** The catalog's ids (for the search index and integrators; the email does not show them). */
  productId?: string;
  variantId?: string;
  sku: string;
  title: string;
  quantity: number;
  unitPrice: MoneyPayload;
}

/** `order.placed`, `order.fulfilled`, `order.cancelled` and `order.refunded`. */
export interface OrderEventPayload {
  orderId: string;
  /** The order number customers see (`#100123`). */
  number: string | number;
  /** Where the customer's notifications go. */
  email: string;
  /** The shopper's Cognito sub; null for a guest order (absent in rows written before it). */
  ownerSub?: string | null;
  /** When the order was placed, ISO 8601. */
  placedAt?: string;
  /** The order's status after the change (`PAID`, `FULFILLED`, `CANCELLED`, `REFUNDED`). */
  status: string;
  total: MoneyPayload;
  lines: OrderLinePayload[];
  /** `order.fulfilled`: the parcel's tracking number, when there is one. */
  trackingNumber?: string;
  /** `order.refunded` (and `order.cancelled`): how much was given back. */
  refundedAmount?: MoneyPayload;
}

/** `cart.checked_out`: the order was placed from this cart, so the cart service empties it. */
export interface CartCheckedOutPayload {
  cartId: string;
  orderId: string;
}

/** A line of `search.order_placed`: one per variant bought. */
export interface SearchOrderLinePayload {
  productId: string;
  variantId: string;
  /** Units bought, 1 or more. */
  quantity: number;
}

/**
 * `search.order_placed`: an order was placed. The search service records the purchase signals
 * (co-purchases, best sellers, what a shopper bought) and refreshes the stock of its products
 * itself, so checkout writes no `search.stock_changed`.
 */
export interface SearchOrderPlacedPayload {
  orderId: string;
  /** The shopper's Cognito sub; null for a guest order. */
  ownerSub: string | null;
  /** When the order was placed, ISO 8601. */
  placedAt: string;
  lines: SearchOrderLinePayload[];
}

/** `search.stock_changed`: the stock of these products changed (distinct ids, sorted). */
export interface SearchStockChangedPayload {
  productIds: string[];
}

/** A row whose payload can never be delivered as it is (the dispatcher parks it). */
export class InvalidPayloadError extends Error {
  constructor(type: string, problem: string) {
    super(`invalid ${type} payload: ${problem}`);
    this.name = 'InvalidPayloadError';
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, type: string, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPayloadError(type, `${what} must be an object`);
  }
  return value as Json;
}

function text(value: unknown, type: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidPayloadError(type, `${what} must be a non-empty string`);
  }
  return value;
}

function money(value: unknown, type: string, what: string): MoneyPayload {
  const m = object(value, type, what);
  const amount = text(m.amount, type, `${what}.amount`);
  if (!/^-?\d+\.\d{2}$/.test(amount)) {
    throw new InvalidPayloadError(type, `${what}.amount must be a decimal with two places`);
  }
  const currencyCode = text(m.currencyCode, type, `${what}.currencyCode`);
  if (!/^[A-Z]{3}$/.test(currencyCode)) {
    throw new InvalidPayloadError(type, `${what}.currencyCode must be an ISO 4217 code`);
  }
  return { amount, currencyCode };
}

export function parseOrderEvent(type: string, payload: unknown): OrderEventPayload {
  const p = object(payload, type, 'the payload');
  const email = text(p.email, type, 'email').trim();
  if (!isEmailAddress(email)) throw new InvalidPayloadError(type, 'email is not an email address');
  const number = p.number;
  if (!(typeof number === 'number' && Number.isSafeInteger(number)) && typeof number !== 'string') {
    throw new InvalidPayloadError(type, 'number must be a string or an integer');
  }
  if (!Array.isArray(p.lines)) throw new InvalidPayloadError(type, 'lines must be an array');
  const lines = p.lines.map((raw, i) => {
    const line = object(raw, type, `lines[${i}]`);
    const quantity = line.quantity;
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 0) {
      throw new InvalidPayloadError(type, `lines[${i}].quantity must be a whole number`);
    }
    return {
      sku: text(line.sku, type, `lines[${i}].sku`),
      title: text(line.title, type, `lines[${i}].title`),
      quantity,
      unitPrice: money(line.unitPrice, type, `lines[${i}].unitPrice`),
    };
  });
  const event: OrderEventPayload = {
    orderId: text(p.orderId, type, 'orderId'),
    number,
    email,
    status: text(p.status, type, 'status'),
    total: money(p.total, type, 'total'),
    lines,
  };
  if (typeof p.trackingNumber === 'string' && p.trackingNumber.trim() !== '') {
    event.trackingNumber = p.trackingNumber.trim();
  }
  if (p.refundedAmount !== undefined && p.refundedAmount !== null) {
    event.refundedAmount = money(p.refundedAmount, type, 'refundedAmount');
  }
  return event;
}

export function parseCartCheckedOut(type: string, payload: unknown): CartCheckedOutPayload {
  const p = object(payload, type, 'the payload');
  return { cartId: text(p.cartId, type, 'cartId'), orderId: text(p.orderId, type, 'orderId') };
}

/** The largest quantity GraphQL's Int (and so the search service's input) can carry. */
const MAX_GRAPHQL_INT = 2_147_483_647;

export function parseSearchOrderPlaced(type: string, payload: unknown): SearchOrderPlacedPayload {
  const p = object(payload, type, 'the payload');
  const ownerSub =
    p.ownerSub === null || p.ownerSub === undefined ? null : text(p.ownerSub, type, 'ownerSub');
  const placedAt = text(p.placedAt, type, 'placedAt');
  if (!/^\d{4}-\d{2}-\d{2}T/.test(placedAt) || Number.isNaN(Date.parse(placedAt))) {
    throw new InvalidPayloadError(type, 'placedAt must be an ISO 8601 date and time');
  }
  if (!Array.isArray(p.lines) || p.lines.length === 0) {
    throw new InvalidPayloadError(type, 'lines must be a non-empty array');
  }
  const lines = p.lines.map((raw, i): SearchOrderLinePayload => {
    const line = object(raw, type, `lines[${i}]`);
    const quantity = line.quantity;
    if (
      typeof quantity !== 'number' ||
      !Number.isInteger(quantity) ||
      quantity < 1 ||
      quantity > MAX_GRAPHQL_INT
    ) {
      throw new InvalidPayloadError(type, `lines[${i}].quantity must be a whole number from 1`);
    }
    return {
      productId: text(line.productId, type, `lines[${i}].productId`),
      variantId: text(line.variantId, type, `lines[${i}].variantId`),
      quantity,
    };
  });
  return { orderId: text(p.orderId, type, 'orderId'), ownerSub, placedAt, lines };
}

export function parseSearchStockChanged(type: string, payload: unknown): SearchStockChangedPayload {
  const p = object(payload, type, 'the payload');
  if (!Array.isArray(p.productIds)) {
    throw new InvalidPayloadError(type, 'productIds must be an array');
  }
  const ids = p.productIds.map((id, i) => text(id, type, `productIds[${i}]`));
  return { productIds: [...new Set(ids)].sort() };
}

// ---- building payloads ---------------------------------------------------------------------

const moneyPayload = (minor: number, currencyCode: string): MoneyPayload => ({
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
  lines: readonly Pick<
    OrderLine,
    'productId' | 'variantId' | 'sku' | 'title' | 'variantTitle' | 'quantity' | 'unitPrice'
  >[],
  extra: { trackingNumber?: string | null; refundedAmount?: number } = {},
): OrderEventPayload {
  return {
    orderId: order.id,
    number: order.number,
    email: order.email,
    ownerSub: order.ownerSub,
    placedAt: order.createdAt,
    status: order.status,
    total: moneyPayload(order.total, order.currency),
    lines: lines.map((line) => ({
      productId: line.productId,
      variantId: line.variantId,
      sku: line.sku,
      title: lineDisplayTitle(line),
      quantity: line.quantity,
      unitPrice: moneyPayload(line.unitPrice, order.currency),
    })),
    ...(extra.trackingNumber ? { trackingNumber: extra.trackingNumber } : {}),
    ...(extra.refundedAmount !== undefined
      ? { refundedAmount: moneyPayload(extra.refundedAmount, order.currency) }
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

/** `store.event` of an order placed or changed: its id, owner and status now. */
export const orderChangedEvent = (
  order: Pick<Order, 'id' | 'ownerSub' | 'status'>,
  placed = false,
): OrderChanged => ({
  type: 'order.changed',
  orderId: order.id,
  ownerSub: order.ownerSub,
  status: order.status,
  placed,
});

/** `store.event` of a stock change: the products and variants, each once, sorted. */
export const stockChangedEvent = (
  levels: Iterable<{ productId: string; variantId: string }>,
): StockChanged => {
  const list = [...levels];
  return {
    type: 'stock.changed',
    productIds: [...new Set(list.map((l) => l.productId))].sort(),
    variantIds: [...new Set(list.map((l) => l.variantId))].sort(),
  };
};
