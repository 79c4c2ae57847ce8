/** Stock read rules: what can still be sold of a variant, and whether a product is for sale. */
import type { OrderLoaders } from './loaders';

export interface OrderContext {
  loaders: OrderLoaders;
}

export class InventoryService {
  quantityAvailable(ctx: OrderContext, variantId: string): Promise<number> {
    return ctx.loaders.quantityAvailable.load(variantId);
  }

  async variantAvailable(ctx: OrderContext, variantId: string): Promise<boolean> {
    return (await ctx.loaders.quantityAvailable.load(variantId)) > 0;
  }

  productAvailable(ctx: OrderContext, productId: string): Promise<boolean> {
    return ctx.loaders.productAvailable.load(productId);
  }
}
