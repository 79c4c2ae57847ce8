/** Per-request loaders for the order service; each batch is one `= ANY($1)` query. */
import DataLoader from 'dataloader';
import type { Queryable } from '../../../common/postgres';
import { productsInStock, stockByVariantIds } from './stock.repository';

export interface OrderLoaders {
  /** Units available per variant id (0 when the variant has no stock row). */
  quantityAvailable: DataLoader<string, number>;
  /** Whether some variant of a product has stock, per product id. */
  productAvailable: DataLoader<string, boolean>;
}

export function createOrderLoaders(db: Queryable): OrderLoaders {
  return {
    quantityAvailable: new DataLoader(async (ids) => {
      const levels = await stockByVariantIds(db, ids);
      return ids.map((id) => levels.get(id)?.quantity ?? 0);
    }),
    productAvailable: new DataLoader(async (ids) => {
      const inStock = await productsInStock(db, ids);
      return ids.map((id) => inStock.has(id));
    }),
  };
}
