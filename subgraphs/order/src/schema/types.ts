/**
 * The order subgraph's GraphQL types: checkout, orders and payments, and the stock fields it
 * adds to the catalog's entities.
 */
import { STOCK_MAX_AGE, publicFor, viewerOnly } from '../../../../common/cache-hints';
import { AdminUserError, payloadType, userErrorType } from '../../../../common/user-error';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AddressInput } from '../../../../common/address';
import { connectionTypes } from '../../../../common/pagination';

@Directive('@key(fields: "id")')
@publicFor(STOCK_MAX_AGE)
@ObjectType({ description: 'A product of the catalog. Shoppers buy one of its variants.' })
export class Product {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;
}

@Directive('@key(fields: "id")')
@publicFor(STOCK_MAX_AGE)
@ObjectType({
  description:
    'A purchasable version of a product: one combination of its options, with a SKU and a price.',
})
export class ProductVariant {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;
}

export const InventorySetPayload = payloadType(
  'InventorySetPayload',
  'The result of inventorySet.',
  {
    field: 'variant',
    type: ProductVariant,
    description: 'The variant with its new stock; null when the stock was not set.',
  },
  { type: AdminUserError, description: 'Why the stock was not set; empty on success.' },
);

/** Internal: not part of the public API (the gateway never exposes it). */
@Directive('@federation__inaccessible')
@InputType({ description: 'The first stock of one variant of a new product.' })
export class InventoryLevelInput {
  @Field(() => ID, { description: 'The new variant.' })
  variantId!: string;

  @Field(() => Int, { description: 'Units in stock, 0 or more.' })
  quantity!: number;
}

export enum OrderStatus {
  PAID = 'PAID',
  FULFILLED = 'FULFILLED',
  CANCELLED = 'CANCELLED',
  REFUNDED = 'REFUNDED',
}

registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'Where an order is in its life.',
  valuesConfig: {
    PAID: { description: 'Placed and paid; not shipped yet. It can still be cancelled.' },
    FULFILLED: { description: 'Shipped to the customer.' },
    CANCELLED: { description: 'Cancelled before shipping: refunded in full, stock given back.' },
    REFUNDED: { description: 'The payment was refunded in full.' },
  },
});

export enum PaymentStatus {
  CAPTURED = 'CAPTURED',
  PARTIALLY_REFUNDED = 'PARTIALLY_REFUNDED',
  REFUNDED = 'REFUNDED',
}

registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description: "Where an order's payment is.",
  valuesConfig: {
    CAPTURED: { description: 'The amount was charged; nothing has been refunded.' },
    PARTIALLY_REFUNDED: { description: 'Part of the charged amount was refunded.' },
    REFUNDED: { description: 'All of the charged amount was refunded.' },
  },
});

export enum CheckoutUserErrorCode {
  CART_NOT_FOUND = 'CART_NOT_FOUND',
  CART_EMPTY = 'CART_EMPTY',
  INSUFFICIENT_STOCK = 'INSUFFICIENT_STOCK',
  PAYMENT_DECLINED = 'PAYMENT_DECLINED',
  INVALID_ADDRESS = 'INVALID_ADDRESS',
  EMAIL_REQUIRED = 'EMAIL_REQUIRED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  ORDER_NOT_CANCELLABLE = 'ORDER_NOT_CANCELLABLE',
}

registerEnumType(CheckoutUserErrorCode, {
  name: 'CheckoutUserErrorCode',
  description: 'Why a checkout or an order change did not do what was asked.',
  valuesConfig: {
    CART_NOT_FOUND: {
      description: "There is no such cart for the caller: unknown, expired, or another shopper's.",
    },
    CART_EMPTY: { description: 'The cart has no lines.' },
    INSUFFICIENT_STOCK: {
      description:
        'An item of the cart is not available in the quantity asked (or no longer sold); nothing was charged.',
    },
    PAYMENT_DECLINED: {
      description: 'The payment provider declined the card; nothing was ordered or charged.',
    },
    INVALID_ADDRESS: {
      description:
        "The shipping address is missing or invalid, or `addressId` is not one of the shopper's saved addresses.",
    },
    EMAIL_REQUIRED: {
      description: 'A guest checkout needs an email address (and a given one must be valid).',
    },
    IDEMPOTENCY_KEY_REUSED: {
      description: 'The idempotency key was used before with a different input.',
    },
    ORDER_NOT_CANCELLABLE: {
      description:
        'The order cannot be cancelled: it has been fulfilled, cancelled or refunded (or does not exist).',
    },
  },
});

export const CheckoutUserError = userErrorType<CheckoutUserErrorCode>(
  'CheckoutUserError',
  CheckoutUserErrorCode,
  {
    description:
      'A reason a checkout or an order change did not do what was asked (an expected outcome).',
    field:
      'Path to the argument or input field at fault, for example ["input", "email"]; null when no single field is.',
  },
);

/**
 * The same input type as the user subgraph's (Federation merges input types by intersection, so
 * the definitions must agree field by field). Checkout ignores `isDefault`.
 */

@InputType({ description: 'What checkout needs to turn a cart into a paid order.' })
export class CheckoutInput {
  @Field(() => ID, { description: 'The cart to buy.' })
  cartId!: string;

  @Field({
    description:
      'Chosen by the client, one per order attempt (a UUID, say), 1 to 200 characters: a retried checkout with the same key and input returns the first order instead of placing another.',
  })
  idempotencyKey!: string;

  @Field({
    description:
      "The card token from the payment provider's client SDK (with the test provider: tok_visa, tok_mastercard, tok_chargeDeclined).",
  })
  paymentToken!: string;

  @Field(() => AddressInput, {
    nullable: true,
    description: 'Where to ship. Give this or `addressId`.',
  })
  shippingAddress?: AddressInput | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Signed in: ship to this saved address (one of `me.addresses`) instead.',
  })
  addressId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Where the order confirmation goes. Required for guests; a signed-in shopper's defaults to their account's email.",
  })
  email?: string | null;
}

@ObjectType({
  description:
    'Where an order ships: a copy of the address given at checkout, unaffected by later changes to saved addresses.',
})
export class OrderAddress {
  @Field({ description: 'Recipient.' })
  name!: string;

  @Field({ description: 'Street and number.' })
  line1!: string;

  @Field(() => String, { nullable: true, description: 'Apartment, suite, floor; null for none.' })
  line2!: string | null;

  @Field({ description: 'City or town.' })
  city!: string;

  @Field(() => String, {
    nullable: true,
    description: 'State, province or county; null for none.',
  })
  region!: string | null;

  @Field({ description: 'Postal or ZIP code.' })
  postalCode!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code, for example "US".' })
  countryCode!: string;
}

@ObjectType({ description: 'One item of an order: what was bought, how many, at what price.' })
export class OrderLine {
  @Field(() => ID, { description: 'Unique, stable identifier of the line.' })
  id!: string;

  @Field({ description: "The variant's SKU when it was bought." })
  sku!: string;

  @Field({ description: "The product's title when it was bought." })
  title!: string;

  @Field({ description: 'The variant\'s title when it was bought, for example "Black / M".' })
  variantTitle!: string;

  @Field(() => Int, { description: 'Units bought.' })
  quantity!: number;
}

@ObjectType({ description: "A change of an order's status, and when it happened." })
export class OrderStatusChange {
  @Field(() => OrderStatus, { description: 'The status the order got.' })
  status!: OrderStatus;

  @Field({ description: 'When (ISO 8601).' })
  at!: string;
}

@ObjectType({
  description: "An order's payment: charged at checkout, refunded in part or in full afterwards.",
})
export class Payment {
  @Field(() => PaymentStatus, { description: 'Whether any of it was refunded.' })
  status!: PaymentStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Last four digits of the card; null when the provider did not say.',
  })
  last4!: string | null;
}

@viewerOnly()
@ObjectType({ description: 'A paid order, placed through checkout.' })
export class Order {
  @Field(() => ID, {
    description:
      'Unique, unguessable identifier. For a guest order, whoever holds it can see the order.',
  })
  id!: string;

  @Field(() => Int, { description: 'The order number shown to customers (#100001 and up).' })
  number!: number;

  @Field(() => OrderStatus, { description: 'Where the order is in its life.' })
  status!: OrderStatus;

  @Field({ description: 'When the order was placed (ISO 8601).' })
  createdAt!: string;

  @Field({ description: 'Where notifications about the order are sent.' })
  email!: string;

  @Field(() => String, {
    nullable: true,
    description: "The parcel's tracking number, once fulfilled with one; null otherwise.",
  })
  trackingNumber!: string | null;
}

export const { Edge: OrderEdge, Connection: OrderConnection } = connectionTypes(Order, {
  one: 'An order',
  many: 'orders',
  description: 'A page of orders, newest first (Relay cursor connection).',
  totalCount: 'Number of orders across all pages.',
});

@Directive('@key(fields: "id")')
@viewerOnly()
@ObjectType({
  description: "A shopper with an account: a Cognito user and the store's profile of them.",
})
export class User {
  @Field(() => ID, { description: 'The Cognito user id (`sub`); unique and stable.' })
  id!: string;
}

export const CheckoutPayload = payloadType(
  'CheckoutPayload',
  'The result of `checkout`.',
  { field: 'order', type: Order, description: 'The placed order; null when none was placed.' },
  { type: CheckoutUserError, description: 'Why no order was placed; empty on success.' },
);

export const OrderCancelPayload = payloadType(
  'OrderCancelPayload',
  'The result of `orderCancel`.',
  {
    field: 'order',
    type: Order,
    description: 'The cancelled order; null when it was not cancelled.',
  },
  { type: CheckoutUserError, description: 'Why it was not cancelled; empty on success.' },
);

export const OrderFulfillPayload = payloadType(
  'OrderFulfillPayload',
  'The result of `orderFulfill`.',
  {
    field: 'order',
    type: Order,
    description: 'The fulfilled order; null when it was not fulfilled.',
  },
  { type: AdminUserError, description: 'Why it was not fulfilled; empty on success.' },
);

export const OrderRefundPayload = payloadType(
  'OrderRefundPayload',
  'The result of `orderRefund`.',
  {
    field: 'order',
    type: Order,
    description: 'The order with its payment after the refund; null when nothing was refunded.',
  },
  { type: AdminUserError, description: 'Why nothing was refunded; empty on success.' },
);
