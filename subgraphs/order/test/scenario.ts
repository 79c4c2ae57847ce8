/**
 * The steps of the checkout and order tests, over an OrderHarness: products with prices and
 * stock (created through the product service's back office), carts (through the cart service),
 * checkouts and order changes (through the order service, called directly with a signed
 * identity), and reads of what reached PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../../../common/identity';
import {
  admin,
  anonymous,
  type OrderHarness,
  type Reply,
} from '../../../test/support/order-harness';

export interface Money {
  amount: string;
  currencyCode: string;
}

export interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}

export interface OrderShape {
  id: string;
  number: number;
  status: string;
  createdAt: string;
  email: string;
  trackingNumber: string | null;
  lines: {
    id: string;
    sku: string;
    title: string;
    variantTitle: string;
    quantity: number;
    unitPrice: Money;
    totalPrice: Money;
    variant: { id: string } | null;
  }[];
  subtotal: Money;
  shipping: Money;
  tax: Money;
  total: Money;
  shippingAddress: {
    name: string;
    line1: string;
    line2: string | null;
    city: string;
    region: string | null;
    postalCode: string;
    countryCode: string;
  };
  payment: {
    status: string;
    last4: string | null;
    amountCaptured: Money;
    amountRefunded: Money;
  };
  statusHistory: { status: string; at: string }[];
}

/** Every field of Order the order subgraph serves by itself. */
export const orderFields = `
  id number status createdAt email trackingNumber
  lines {
    id sku title variantTitle quantity
    unitPrice { amount currencyCode } totalPrice { amount currencyCode }
    variant { id }
  }
  subtotal { amount currencyCode } shipping { amount currencyCode }
  tax { amount currencyCode } total { amount currencyCode }
  shippingAddress { name line1 line2 city region postalCode countryCode }
  payment {
    status last4
    amountCaptured { amount currencyCode } amountRefunded { amount currencyCode }
  }
  statusHistory { status at }`;

const userErrors = 'userErrors { code field message }';

export const CheckoutMutation = `mutation ($input: CheckoutInput!) {
  checkout(input: $input) { order { ${orderFields} } ${userErrors} }
}`;
export const OrderQuery = `query ($id: ID!) { order(id: $id) { ${orderFields} } }`;
export const CancelMutation = `mutation ($id: ID!) {
  orderCancel(id: $id) { order { ${orderFields} } ${userErrors} }
}`;
export const FulfillMutation = `mutation ($id: ID!, $trackingNumber: String) {
  orderFulfill(id: $id, trackingNumber: $trackingNumber) { order { ${orderFields} } ${userErrors} }
}`;
export const RefundMutation = `mutation ($id: ID!, $amount: String) {
  orderRefund(id: $id, amount: $amount) { order { ${orderFields} } ${userErrors} }
}`;

export type CheckoutData = { checkout: { order: OrderShape | null; userErrors: UserErrorShape[] } };
export type OrderData = { order: OrderShape | null };
export type CancelData = {
  orderCancel: { order: OrderShape | null; userErrors: UserErrorShape[] };
};
export type FulfillData = {
  orderFulfill: { order: OrderShape | null; userErrors: UserErrorShape[] };
};
export type RefundData = {
  orderRefund: { order: OrderShape | null; userErrors: UserErrorShape[] };
};

export const address = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  line2: 'Flat 3',
  city: 'London',
  region: null,
  postalCode: 'N1 7AA',
  countryCode: 'GB',
};

/** The data of a reply that must have no errors. */
export function dataOf<T>(reply: Reply<T>): T {
  if (reply.errors?.length || !reply.data) {
    throw new Error(`unexpected reply: ${JSON.stringify(reply)}`);
  }
  return reply.data;
}

export const codesOf = (reply: Reply<unknown>) =>
  (reply.errors ?? []).map((e) => e.extensions?.code);

// ---- catalog -------------------------------------------------------------------------------------

export interface TestVariant {
  id: string;
  sku: string;
  title: string;
  /** "12.34" */
  price: string;
}

export interface TestProduct {
  id: string;
  slug: string;
  title: string;
  variants: TestVariant[];
}

const ProductCreate = `mutation ($input: ProductCreateInput!) {
  productCreate(input: $input) {
    product { id slug title variants { id sku title price { amount } } }
    userErrors { code field message }
  }
}`;

/** A new product whose variants have the given prices and stock. */
export async function createProduct(
  h: OrderHarness,
  variants: { price: string; quantity: number }[],
): Promise<TestProduct> {
  const tag = randomUUID().slice(0, 8);
  const reply = await h.call<{
    productCreate: {
      product: {
        id: string;
        slug: string;
        title: string;
        variants: { id: string; sku: string; title: string; price: { amount: string } }[];
      } | null;
      userErrors: UserErrorShape[];
    };
  }>(
    h.product,
    ProductCreate,
    {
      input: {
        title: `Checkout Lamp ${tag}`,
        description: 'A lamp made for the checkout tests.',
        brand: 'Lumen',
        categorySlug: 'lighting',
        slug: `checkout-lamp-${tag}`,
        images: [{ url: `https://cdn.test.example/products/${tag}/1.jpg`, altText: 'The lamp' }],
        variants: variants.map((v, i) => ({
          sku: `CO-${tag}-${i}`,
          title: `Shade ${i + 1}`,
          price: v.price,
          quantity: v.quantity,
          selectedOptions: [{ name: 'Shade', value: `Shade ${i + 1}` }],
        })),
      },
    },
    admin,
  );
  const { product, userErrors } = dataOf(reply).productCreate;
  if (!product || userErrors.length > 0) throw new Error(JSON.stringify(userErrors));
  return {
    id: product.id,
    slug: product.slug,
    title: product.title,
    variants: product.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      title: v.title,
      price: v.price.amount,
    })),
  };
}

// ---- carts ---------------------------------------------------------------------------------------

const CartCreate = `mutation ($input: CartInput!) {
  cartCreate(input: $input) { cart { id lines { quantity } } userErrors { code field message } }
}`;

/**
 * A cart with these lines (a guest cart unless `viewer` is signed in, in which case the lines
 * go into that shopper's own cart).
 */
export async function createCart(
  h: OrderHarness,
  lines: { variantId: string; quantity: number }[],
  viewer: Viewer = anonymous,
): Promise<string> {
  const reply = await h.call<{
    cartCreate: { cart: { id: string } | null; userErrors: UserErrorShape[] };
  }>(h.cart, CartCreate, { input: { lines } }, viewer);
  const { cart, userErrors } = dataOf(reply).cartCreate;
  if (!cart || userErrors.length > 0) throw new Error(JSON.stringify(userErrors));
  return cart.id;
}

const CartQuery = `query ($id: ID!) { cart(id: $id) { id lines { quantity variant { id } } } }`;

/** The cart's lines as the cart service has them now; null when it has no such cart. */
export async function cartLines(h: OrderHarness, cartId: string, viewer: Viewer = anonymous) {
  const reply = await h.call<{
    cart: { lines: { quantity: number; variant: { id: string } }[] } | null;
  }>(h.cart, CartQuery, { id: cartId }, viewer);
  const cart = dataOf(reply).cart;
  return cart ? cart.lines.map((l) => ({ variantId: l.variant.id, quantity: l.quantity })) : null;
}

// ---- checkout and order changes ------------------------------------------------------------------

export interface CheckoutFields {
  cartId: string;
  idempotencyKey?: string;
  paymentToken?: string;
  shippingAddress?: Record<string, unknown> | null;
  addressId?: string | null;
  email?: string | null;
}

export function checkoutInput(fields: CheckoutFields) {
  return {
    idempotencyKey: randomUUID(),
    paymentToken: 'tok_visa',
    email: 'guest@example.com',
    shippingAddress: address,
    ...fields,
  };
}

export function checkout(
  h: OrderHarness,
  input: ReturnType<typeof checkoutInput> | Record<string, unknown>,
  viewer: Viewer = anonymous,
): Promise<Reply<CheckoutData>> {
  return h.call<CheckoutData>(h.order, CheckoutMutation, { input }, viewer);
}

/** A checkout that must place an order; returns it. */
export async function placeOrder(
  h: OrderHarness,
  fields: CheckoutFields,
  viewer: Viewer = anonymous,
): Promise<OrderShape> {
  const { checkout: result } = dataOf(await checkout(h, checkoutInput(fields), viewer));
  if (!result.order || result.userErrors.length > 0) {
    throw new Error(`no order: ${JSON.stringify(result.userErrors)}`);
  }
  return result.order;
}

/** A product of one variant with `stock` units at `price`, a guest cart of it, and its order. */
export async function orderOf(
  h: OrderHarness,
  options: { price?: string; quantity?: number; stock?: number; viewer?: Viewer } = {},
) {
  const product = await createProduct(h, [
    { price: options.price ?? '20.00', quantity: options.stock ?? 10 },
  ]);
  const variant = product.variants[0];
  const cartId = await createCart(h, [{ variantId: variant.id, quantity: options.quantity ?? 2 }]);
  const order = await placeOrder(h, { cartId }, options.viewer ?? anonymous);
  return { product, variant, cartId, order };
}

export function readOrder(h: OrderHarness, id: string, viewer: Viewer = anonymous) {
  return h.call<OrderData>(h.order, OrderQuery, { id }, viewer);
}

export function cancelOrder(h: OrderHarness, id: string, viewer: Viewer = anonymous) {
  return h.call<CancelData>(h.order, CancelMutation, { id }, viewer);
}

export function fulfilOrder(
  h: OrderHarness,
  id: string,
  trackingNumber: string | null = null,
  viewer: Viewer = admin,
) {
  return h.call<FulfillData>(h.order, FulfillMutation, { id, trackingNumber }, viewer);
}

export function refundOrder(
  h: OrderHarness,
  id: string,
  amount: string | null = null,
  viewer: Viewer = admin,
) {
  return h.call<RefundData>(h.order, RefundMutation, { id, amount }, viewer);
}

// ---- what reached PostgreSQL ---------------------------------------------------------------------

export async function stockOf(h: OrderHarness, variantId: string): Promise<number | null> {
  const { rows } = await h.db.query<{ quantity: number }>(
    'SELECT quantity FROM orders.stock WHERE variant_id = $1',
    [variantId],
  );
  return rows[0]?.quantity ?? null;
}

/** The orders placed from a cart. */
export async function ordersOfCart(h: OrderHarness, cartId: string) {
  const { rows } = await h.db.query<{ id: string; status: string }>(
    'SELECT id, status FROM orders.orders WHERE cart_id = $1 ORDER BY number',
    [cartId],
  );
  return rows;
}

/** What the test payment provider did for checkouts of a cart: captures and declines. */
export async function chargesOfCart(h: OrderHarness, cartId: string) {
  const { rows } = await h.db.query<{ ref: string; kind: string; amount: string }>(
    `SELECT ref, kind, amount::text AS amount FROM orders.test_provider_charges
      WHERE reference LIKE '%(cart ' || $1 || ')' ORDER BY created_at`,
    [cartId],
  );
  return rows.map((r) => ({ ref: r.ref, kind: r.kind, amount: Number(r.amount) }));
}

/** The refunds the test payment provider gave for a capture. */
export async function refundsOfCharge(h: OrderHarness, chargeRef: string) {
  const { rows } = await h.db.query<{ amount: string }>(
    `SELECT amount::text AS amount FROM orders.test_provider_charges
      WHERE kind = 'refund' AND charge_ref = $1 ORDER BY created_at`,
    [chargeRef],
  );
  return rows.map((r) => Number(r.amount));
}

/**
 * The outbox events about an order (those whose payload has its `orderId`: order.*,
 * cart.checked_out, search.order_placed), in order.
 */
export async function eventsOfOrder(h: OrderHarness, orderId: string) {
  const { rows } = await h.db.query<{ type: string; payload: Record<string, unknown> }>(
    `SELECT type, payload FROM orders.outbox WHERE payload->>'orderId' = $1 ORDER BY id`,
    [orderId],
  );
  return rows;
}

/** The outbox events that mention a cart (cart.checked_out). */
export async function eventsOfCart(h: OrderHarness, cartId: string) {
  const { rows } = await h.db.query<{ type: string; payload: Record<string, unknown> }>(
    `SELECT type, payload FROM orders.outbox WHERE payload->>'cartId' = $1 ORDER BY id`,
    [cartId],
  );
  return rows;
}

/**
 * The events for the search service about a product, in order: `search.stock_changed` naming it
 * and `search.order_placed` with a line of it.
 */
export async function searchEventsOfProduct(h: OrderHarness, productId: string) {
  const { rows } = await h.db.query<{ type: string; payload: Record<string, unknown> }>(
    `SELECT type, payload FROM orders.outbox
      WHERE (type = 'search.stock_changed' AND payload->'productIds' ? $1)
         OR (type = 'search.order_placed'
             AND payload->'lines' @> jsonb_build_array(jsonb_build_object('productId', $1::text)))
      ORDER BY id`,
    [productId],
  );
  return rows;
}
