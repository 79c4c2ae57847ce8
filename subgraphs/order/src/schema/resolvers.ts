/** Thin resolvers for the stock fields; each is one InventoryService call. */
import { Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Viewer } from '../../../../common/identity';
import type { InventoryService, OrderContext } from '../inventory.service';
import { Product, ProductVariant } from './types';

export interface OrderSubgraphContext extends OrderContext {
  inventory: InventoryService;
  viewer: Viewer;
}

@Resolver(() => Product)
export class ProductStockResolver {
  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      'True when some variant can be bought now; null when stock could not be read.',
  })
  availableForSale(@Root() product: Product, @Ctx() ctx: OrderSubgraphContext) {
    return ctx.inventory.productAvailable(ctx, product.id);
  }
}

@Resolver(() => ProductVariant)
export class VariantStockResolver {
  @FieldResolver(() => Int, {
    nullable: true,
    description: 'Units that can still be sold; null when stock could not be read.',
  })
  quantityAvailable(@Root() variant: ProductVariant, @Ctx() ctx: OrderSubgraphContext) {
    return ctx.inventory.quantityAvailable(ctx, variant.id);
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'True when at least one unit can be bought; null when stock could not be read.',
  })
  availableForSale(@Root() variant: ProductVariant, @Ctx() ctx: OrderSubgraphContext) {
    return ctx.inventory.variantAvailable(ctx, variant.id);
  }
}

/**
 * Federation entry points. A page of references becomes one stock query through the loaders;
 * the field resolvers then read the same memoised values.
 */
export const referenceResolvers = {
  Product: {
    __resolveReference: async (ref: { id: string }, ctx: OrderSubgraphContext) => {
      await ctx.loaders.productAvailable.load(ref.id);
      return { id: ref.id };
    },
  },
  ProductVariant: {
    __resolveReference: async (ref: { id: string }, ctx: OrderSubgraphContext) => {
      await ctx.loaders.quantityAvailable.load(ref.id);
      return { id: ref.id };
    },
  },
};

export const resolvers = [ProductStockResolver, VariantStockResolver] as const;
