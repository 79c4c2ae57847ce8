/** Inventory as the order service sees it. */
import type { PostalAddress } from '../../../common/address';

export type { PostalAddress };

export interface StockLevel {
  variantId: string;
  productId: string;
  /** Units that can still be sold. */
  quantity: number;
}

/** What the back office can get wrong; the GraphQL enum AdminUserErrorCode has the same values. */
export const adminErrorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'SLUG_TAKEN',
  'SKU_TAKEN',
  'REFUND_EXCEEDS_PAYMENT',
] as const;
export type AdminErrorCode = (typeof adminErrorCodes)[number];

// ---- orders ---------------------------------------------------------------------------------

export const orderStatuses = ['PAID', 'FULFILLED', 'CANCELLED', 'REFUNDED'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const paymentStatuses = ['CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/** What checkout and the shopper's order mutations can answer instead of doing what was asked. */
export const checkoutErrorCodes = [
  'CART_NOT_FOUND',
  'CART_EMPTY',
  'INSUFFICIENT_STOCK',
  'PAYMENT_DECLINED',
  'INVALID_ADDRESS',
  'EMAIL_REQUIRED',
  'IDEMPOTENCY_KEY_REUSED',
  'ORDER_NOT_CANCELLABLE',
] as const;
export type CheckoutErrorCode = (typeof checkoutErrorCodes)[number];

/** An order as the service sees it; amounts in minor units of `currency`. */
export interface Order {
  id: string;
  /** The human order number, #100001 and up. */
  number: number;
  /** The Cognito sub of the shopper who placed it; null for a guest order. */
  ownerSub: string | null;
  email: string;
  status: OrderStatus;
  currency: string;
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
  shippingAddress: PostalAddress;
  trackingNumber: string | null;
  cartId: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface OrderLine {
  id: string;
  orderId: string;
  variantId: string;
  productId: string;
  sku: string;
  /** The product's title when it was bought. */
  title: string;
  /** The variant's title when it was bought, for example "Black / M". */
  variantTitle: string;
  quantity: number;
  unitPrice: number;
  totalPrice: number;
  currency: string;
}

export interface Payment {
  id: string;
  orderId: string;
  provider: string;
  providerRef: string;
  status: PaymentStatus;
  last4: string | null;
  currency: string;
  amountCaptured: number;
  amountRefunded: number;
}

export interface OrderStatusChange {
  status: OrderStatus;
  /** ISO 8601. */
  at: string;
}
