/**
 * Per-request loaders for the cart service. Carts and owner pointers are one BatchGetItem per
 * batch; variants and stock are one `_entities` call to the product and order subgraphs per
 * batch, whatever the number of carts and lines the request touches.
 */
import { type CartTable } from './cart.table';
import DataLoader from 'dataloader';
import { measuredBatch } from '../../../common/metrics';
import type { Catalog } from './product.client';
import type { Cart, CatalogVariant } from './domain';
import { getCarts, getOwnerCartIds } from './cart.repository';

export interface CartLoaders {
  /** Live carts by id; null when there is none or it has expired. */
  cart: DataLoader<string, Cart | null>;
  /** The cart id a shopper's owner pointer names, by Cognito sub (the cart may be gone). */
  ownerCartId: DataLoader<string, string | null>;
  /** The catalog's current view of a variant; null when the catalog has no such variant. */
  variant: DataLoader<string, CatalogVariant | null>;
  /** Units that can still be sold, by variant id. */
  stock: DataLoader<string, number>;
}

export function createCartLoaders(db: CartTable, catalog: Catalog, now: () => Date): CartLoaders {
  return {
    cart: new DataLoader(
      measuredBatch('cart', async (ids) => {
        const carts = await getCarts(db, ids, now());
        return ids.map((id) => carts.get(id) ?? null);
      }),
      { maxBatchSize: 100 },
    ),
    ownerCartId: new DataLoader(
      measuredBatch('ownerCartId', async (subs) => {
        const ids = await getOwnerCartIds(db, subs);
        return subs.map((sub) => ids.get(sub) ?? null);
      }),
      { maxBatchSize: 100 },
    ),
    variant: new DataLoader(
      measuredBatch('variant', async (ids) => {
        const variants = await catalog.variants(ids);
        return ids.map((id) => variants.get(id) ?? null);
      }),
    ),
    stock: new DataLoader(
      measuredBatch('stock', async (ids) => {
        const stock = await catalog.stock(ids);
        return ids.map((id) => stock.get(id) ?? 0);
      }),
    ),
  };
}
