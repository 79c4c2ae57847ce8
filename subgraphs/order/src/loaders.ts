/** Per-request loaders for the order service; each batch is one `= ANY($1)` query. */
import DataLoader from 'dataloader';
import { measuredBatch } from '../../../common/metrics';
import type { Queryable } from '../../../common/postgres';
import type { Order, OrderLine, OrderStatusChange, Payment } from './domain';
import {
  linesByOrderIds,
  ordersByIds,
  paymentsByOrderIds,
  statusHistoryByOrderIds,
} from './order.repository';
import { productsInStock, stockByVariantIds } from './stock.repository';

export interface OrderLoaders {
  /** Units available per variant id (0 when the variant has no stock row). */
  quantityAvailable: DataLoader<string, number>;
  /** Whether some variant of a product has stock, per product id. */
  productAvailable: DataLoader<string, boolean>;
  /** Orders by id (ids must be UUIDs); null for an unknown id. */
  order: DataLoader<string, Order | null>;
  /** An order's lines, by order id. */
  orderLines: DataLoader<string, OrderLine[]>;
  /** An order's payment, by order id; null when it has none. */
  payment: DataLoader<string, Payment | null>;
  /** An order's status changes, oldest first, by order id. */
  statusHistory: DataLoader<string, OrderStatusChange[]>;
}

export function createOrderLoaders(db: Queryable): OrderLoaders {
  return {
    quantityAvailable: new DataLoader(
      measuredBatch('quantityAvailable', async (ids) => {
        const levels = await stockByVariantIds(db, ids);
        return ids.map((id) => levels.get(id)?.quantity ?? 0);
      }),
    ),
    productAvailable: new DataLoader(
      measuredBatch('productAvailable', async (ids) => {
        const inStock = await productsInStock(db, ids);
        return ids.map((id) => inStock.has(id));
      }),
    ),
    order: new DataLoader(
      measuredBatch('order', async (ids) => {
        const orders = await ordersByIds(db, ids);
        return ids.map((id) => orders.get(id) ?? null);
      }),
    ),
    orderLines: new DataLoader(
      measuredBatch('orderLines', async (ids) => {
        const lines = await linesByOrderIds(db, ids);
        return ids.map((id) => lines.get(id) ?? []);
      }),
    ),
    payment: new DataLoader(
      measuredBatch('payment', async (ids) => {
        const payments = await paymentsByOrderIds(db, ids);
        return ids.map((id) => payments.get(id) ?? null);
      }),
    ),
    statusHistory: new DataLoader(
      measuredBatch('statusHistory', async (ids) => {
        const history = await statusHistoryByOrderIds(db, ids);
        return ids.map((id) => history.get(id) ?? []);
      }),
    ),
  };
}
