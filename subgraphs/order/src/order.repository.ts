/**
 * Orders, lines, payments and status history. Every function takes the pool or the client holding a transaction; writes are meant to run in the
 * transaction of the change they belong to.
 */
import type { Queryable } from '../../../common/postgres';
import type {
  Order,
  OrderLine,
  OrderStatus,
  OrderStatusChange,
  Payment,
  PaymentStatus,
  PostalAddress,
} from './domain';

// ---- rows and mappers ----------------------------------------------------------------------

/** `orders.orders` as selected below; bigint columns arrive as text. */
interface OrderRow {
  id: string;
  number: string;
  owner_sub: string | null;
  email: string;
  status: OrderStatus;
  currency: string;
  subtotal: string;
  shipping: string;
  tax: string;
  total: string;
  ship_name: string;
  ship_line1: string;
  ship_line2: string | null;
  ship_city: string;
  ship_region: string | null;
  ship_postal_code: string;
  ship_country_code: string;
  tracking_number: string | null;
  cart_id: string;
  created_at: Date;
  /** created_at in microseconds since the epoch (a Date keeps only milliseconds). */
  created_us: string;
}

interface OrderLineRow {
  id: string;
  order_id: string;
  variant_id: string;
  product_id: string;
  sku: string;
  title: string;
  variant_title: string;
  quantity: number;
  unit_price: string;
  total_price: string;
  currency: string;
}

interface PaymentRow {
  id: string;
  order_id: string;
  provider: string;
  provider_ref: string;
  status: PaymentStatus;
  last4: string | null;
  currency: string;
  amount_captured: string;
  amount_refunded: string;
}

interface StatusHistoryRow {
  order_id: string;
  status: OrderStatus;
  at: Date;
}

const orderColumns = `o.id, o.number::text AS number, o.owner_sub, o.email, o.status, o.currency,
  o.subtotal::text AS subtotal, o.shipping::text AS shipping, o.tax::text AS tax,
  o.total::text AS total, o.ship_name, o.ship_line1, o.ship_line2, o.ship_city, o.ship_region,
  o.ship_postal_code, o.ship_country_code, o.tracking_number, o.cart_id, o.created_at,
  (extract(epoch FROM o.created_at) * 1000000)::bigint::text AS created_us`;

const rowToOrder = (row: OrderRow): Order => ({
  id: row.id,
  number: Number(row.number),
  ownerSub: row.owner_sub,
  email: row.email,
  status: row.status,
  currency: row.currency,
  subtotal: Number(row.subtotal),
  shipping: Number(row.shipping),
  tax: Number(row.tax),
  total: Number(row.total),
  shippingAddress: {
    name: row.ship_name,
    line1: row.ship_line1,
    line2: row.ship_line2,
    city: row.ship_city,
    region: row.ship_region,
    postalCode: row.ship_postal_code,
    countryCode: row.ship_country_code,
  },
  trackingNumber: row.tracking_number,
  cartId: row.cart_id,
  createdAt: row.created_at.toISOString(),
});

const rowToOrderLine = (row: OrderLineRow): OrderLine => ({
  id: row.id,
  orderId: row.order_id,
  variantId: row.variant_id,
  productId: row.product_id,
  sku: row.sku,
  title: row.title,
  variantTitle: row.variant_title,
  quantity: row.quantity,
  unitPrice: Number(row.unit_price),
  totalPrice: Number(row.total_price),
  currency: row.currency,
});

const rowToPayment = (row: PaymentRow): Payment => ({
  id: row.id,
  orderId: row.order_id,
  provider: row.provider,
  providerRef: row.provider_ref,
  status: row.status,
  last4: row.last4,
  currency: row.currency,
  amountCaptured: Number(row.amount_captured),
  amountRefunded: Number(row.amount_refunded),
});

const rowToStatusChange = (row: StatusHistoryRow): OrderStatusChange => ({
  status: row.status,
  at: row.at.toISOString(),
});

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

// ---- writes --------------------------------------------------------------------------------

export interface NewOrder {
  ownerSub: string | null;
  email: string;
  currency: string;
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
  shippingAddress: PostalAddress;
  cartId: string;
}

export interface NewOrderLine {
  variantId: string;
  productId: string;
  sku: string;
  title: string;
  variantTitle: string;
  quantity: number;
  unitPrice: number;
  totalPrice: number;
}

/** Inserts a PAID order (its number comes from the sequence). */
export async function insertOrder(tx: Queryable, order: NewOrder): Promise<Order> {
  const a = order.shippingAddress;
  const { rows } = await tx.query<OrderRow>(
    `INSERT INTO orders.orders AS o (owner_sub, email, status, currency, subtotal, shipping, tax,
       total, ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code,
       ship_country_code, cart_id)
     VALUES ($1, $2, 'PAID', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     RETURNING ${orderColumns}`,
    [
      order.ownerSub,
      order.email,
      order.currency,
      order.subtotal,
      order.shipping,
      order.tax,
      order.total,
      a.name,
      a.line1,
      a.line2,
      a.city,
      a.region,
      a.postalCode,
      a.countryCode,
      order.cartId,
    ],
  );
  return rowToOrder(rows[0]);
}

export async function insertOrderLines(
  tx: Queryable,
  orderId: string,
  lines: readonly NewOrderLine[],
): Promise<void> {
  await tx.query(
    `INSERT INTO orders.order_lines (order_id, position, variant_id, product_id, sku, title,
       variant_title, quantity, unit_price, total_price)
     SELECT $1, l.position, l.variant_id, l.product_id, l.sku, l.title, l.variant_title,
            l.quantity, l.unit_price, l.total_price
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::int[], $9::bigint[], $10::bigint[])
         AS l(position, variant_id, product_id, sku, title, variant_title, quantity, unit_price,
              total_price)`,
    [
      orderId,
      lines.map((_, i) => i),
      lines.map((l) => l.variantId),
      lines.map((l) => l.productId),
      lines.map((l) => l.sku),
      lines.map((l) => l.title),
      lines.map((l) => l.variantTitle),
      lines.map((l) => l.quantity),
      lines.map((l) => l.unitPrice),
      lines.map((l) => l.totalPrice),
    ],
  );
}

export async function insertPayment(
  tx: Queryable,
  payment: Omit<Payment, 'id' | 'status' | 'amountRefunded'>,
): Promise<void> {
  await tx.query(
    `INSERT INTO orders.payments (order_id, provider, provider_ref, status, last4, currency,
       amount_captured)
     VALUES ($1, $2, $3, 'CAPTURED', $4, $5, $6)`,
    [
      payment.orderId,
      payment.provider,
      payment.providerRef,
      payment.last4,
      payment.currency,
      payment.amountCaptured,
    ],
  );
}

export async function appendStatusHistory(
  tx: Queryable,
  orderId: string,
  status: OrderStatus,
): Promise<void> {
  await tx.query('INSERT INTO orders.order_status_history (order_id, status) VALUES ($1, $2)', [
    orderId,
    status,
  ]);
}

/** Sets an order's status (and its tracking number, when one is given). */
export async function updateOrderStatus(
  tx: Queryable,
  orderId: string,
  status: OrderStatus,
  trackingNumber?: string | null,
): Promise<void> {
  await tx.query(
    `UPDATE orders.orders
        SET status = $2, tracking_number = coalesce($3, tracking_number), updated_at = now()
      WHERE id = $1`,
    [orderId, status, trackingNumber ?? null],
  );
}

/** Records a refund the provider gave and adds it to the payment's refunded amount. */
export async function recordRefund(
  tx: Queryable,
  payment: Payment,
  refund: { providerRef: string; amount: number },
): Promise<Payment> {
  await tx.query(
    'INSERT INTO orders.payment_refunds (payment_id, provider_ref, amount) VALUES ($1, $2, $3)',
    [payment.id, refund.providerRef, refund.amount],
  );
  const { rows } = await tx.query<PaymentRow>(
    `UPDATE orders.payments
        SET amount_refunded = amount_refunded + $2,
            status = CASE WHEN amount_refunded + $2 = amount_captured THEN 'REFUNDED'
                          ELSE 'PARTIALLY_REFUNDED' END,
            updated_at = now()
      WHERE id = $1
      RETURNING id, order_id, provider, provider_ref, status, last4, currency,
                amount_captured::text AS amount_captured, amount_refunded::text AS amount_refunded`,
    [payment.id, refund.amount],
  );
  return rowToPayment(rows[0]);
}

// ---- reads ---------------------------------------------------------------------------------

/** The order, locked for the rest of the transaction; null when there is none. */
export async function lockOrder(tx: Queryable, id: string): Promise<Order | null> {
  const { rows } = await tx.query<OrderRow>(
    `SELECT ${orderColumns} FROM orders.orders o WHERE o.id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ? rowToOrder(rows[0]) : null;
}

/** The order's payment, locked for the rest of the transaction. */
export async function lockPaymentOfOrder(tx: Queryable, orderId: string): Promise<Payment | null> {
  const { rows } = await tx.query<PaymentRow>(
    `SELECT id, order_id, provider, provider_ref, status, last4, currency,
            amount_captured::text AS amount_captured, amount_refunded::text AS amount_refunded
       FROM orders.payments WHERE order_id = $1 FOR UPDATE`,
    [orderId],
  );
  return rows[0] ? rowToPayment(rows[0]) : null;
}

export async function ordersByIds(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, Order>> {
  const { rows } = await db.query<OrderRow>(
    `SELECT ${orderColumns} FROM orders.orders o WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, rowToOrder(row)]));
}

/** Lines per order id, in the order they were bought. */
export async function linesByOrderIds(
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, OrderLine[]>> {
  const { rows } = await db.query<OrderLineRow>(
    `SELECT l.id, l.order_id, l.variant_id, l.product_id, l.sku, l.title, l.variant_title,
            l.quantity, l.unit_price::text AS unit_price, l.total_price::text AS total_price,
            o.currency
       FROM orders.order_lines l JOIN orders.orders o ON o.id = l.order_id
      WHERE l.order_id = ANY($1::uuid[])
      ORDER BY l.order_id, l.position`,
    [orderIds],
  );
  return groupBy(rows.map(rowToOrderLine), (line) => line.orderId);
}

export async function paymentsByOrderIds(
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, Payment>> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT id, order_id, provider, provider_ref, status, last4, currency,
            amount_captured::text AS amount_captured, amount_refunded::text AS amount_refunded
       FROM orders.payments WHERE order_id = ANY($1::uuid[])`,
    [orderIds],
  );
  return new Map(rows.map((row) => [row.order_id, rowToPayment(row)]));
}

/** Status changes per order id, oldest first. */
export async function statusHistoryByOrderIds(
  db: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, OrderStatusChange[]>> {
  const { rows } = await db.query<StatusHistoryRow>(
    `SELECT order_id, status, at FROM orders.order_status_history
      WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, id`,
    [orderIds],
  );
  const grouped = groupBy(rows, (row) => row.order_id);
  return new Map([...grouped].map(([id, changes]) => [id, changes.map(rowToStatusChange)]));
}

// ---- pages, newest first -------------------------------------------------------------------

/** Which orders a listing shows: one shopper's, or all (of one status, when given). */
export type OrderFilter =
  { kind: 'owner'; ownerSub: string } | { kind: 'all'; status: OrderStatus | null };

/** A position in a listing: created_at in microseconds since the epoch, then id. */
export interface OrderPosition {
  createdUs: string;
  id: string;
}

function filterSql(filter: OrderFilter, params: unknown[]): string {
  if (filter.kind === 'owner') {
    params.push(filter.ownerSub);
    return `o.owner_sub = $${params.length}`;
  }
  if (filter.status === null) return 'TRUE';
  params.push(filter.status);
  return `o.status = $${params.length}`;
}

/**
 * Up to `first` orders after `after` (newest first, by created_at then id), and whether more
 * follow. Keyset pagination: orders placed while a client walks the pages never shift the pages.
 */
export async function orderPage(
  db: Queryable,
  filter: OrderFilter,
  first: number,
  after: OrderPosition | null,
): Promise<{ items: { order: Order; position: OrderPosition }[]; hasNextPage: boolean }> {
  const params: unknown[] = [];
  const where = [filterSql(filter, params)];
  if (after) {
    params.push(after.createdUs, after.id);
    where.push(
      `(o.created_at, o.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length}::uuid)`,
    );
  }
  params.push(first + 1);
  const { rows } = await db.query<OrderRow>(
    `SELECT ${orderColumns} FROM orders.orders o
      WHERE ${where.join(' AND ')}
      ORDER BY o.created_at DESC, o.id DESC
      LIMIT $${params.length}`,
    params,
  );
  return {
    items: rows.slice(0, first).map((row) => ({
      order: rowToOrder(row),
      position: { createdUs: row.created_us, id: row.id },
    })),
    hasNextPage: rows.length > first,
  };
}

export async function countOrders(db: Queryable, filter: OrderFilter): Promise<number> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM orders.orders o WHERE ${filterSql(filter, params)}`,
    params,
  );
  return Number(rows[0].count);
}
