/**
 * Thin resolvers for the stock fields and mutations (each one InventoryService call), the list
 * of every resolver of the subgraph, and its federation entry points.
 */
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../../../common/context';
import type { OrderLoaders } from '../loaders';
import type { CheckoutService } from '../checkout.service';
import type { InventoryService } from '../inventory.service';
import type { OrderService } from '../order.service';
import {
  CheckoutResolver,
  OrderFieldsResolver,
  OrderLineFieldsResolver,
  OrderQueryResolver,
  PaymentFieldsResolver,
  UserOrdersResolver,
} from './order-resolvers';
import { InventoryLevelInput, InventorySetPayload, Product, ProductVariant } from './types';

/** What the order subgraph's resolvers call. */
export interface OrderServices {
  inventory: InventoryService;
  orders: OrderService;
  checkout: CheckoutService;
}

@Resolver(() => Product)
export class ProductStockResolver {
  constructor(private readonly services: OrderServices) {}

  @FieldResolver(() => Boolean, {
    nullable: true,
    description:
      'True when some variant can be bought now; null when stock could not be read.',
  })
  availableForSale(@Root() product: Product, @Ctx() ctx: RequestContext<OrderLoaders>) {
    return this.services.inventory.productAvailable(ctx, product.id);
  }
}

@Resolver(() => ProductVariant)
export class VariantStockResolver {
  constructor(private readonly services: OrderServices) {}

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'Units that can still be sold; null when stock could not be read.',
  })
  quantityAvailable(@Root() variant: ProductVariant, @Ctx() ctx: RequestContext<OrderLoaders>) {
    return this.services.inventory.quantityAvailable(ctx, variant.id);
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: 'True when at least one unit can be bought; null when stock could not be read.',
  })
  availableForSale(@Root() variant: ProductVariant, @Ctx() ctx: RequestContext<OrderLoaders>) {
    return this.services.inventory.variantAvailable(ctx, variant.id);
  }
}

@Resolver()
export class InventoryMutationResolver {
  constructor(private readonly services: OrderServices) {}

  @Mutation(() => InventorySetPayload, {
    description: 'Sets how many units of a variant can be sold. Admins only.',
  })
  inventorySet(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('variantId', () => ID, { description: 'The variant.' }) variantId: string,
    @Arg('quantity', () => Int, { description: 'Units that can be sold from now on, 0 or more.' })
    quantity: number,
  ) {
    return this.services.inventory.inventorySet(ctx, variantId, quantity);
  }

  /**
   * Internal: the product service calls it while creating a product, so the new variants have
   * their stock before anyone can see them. Hidden from the public API by @inaccessible.
   */
  @Directive('@federation__inaccessible')
  @Mutation(() => Int, {
    description:
      "Internal (product service only): gives a new product's variants their first stock; returns how many got it.",
  })
  inventoryInitialize(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('productId', () => ID, { description: 'The new product.' }) productId: string,
    @Arg('levels', () => [InventoryLevelInput], { description: 'Its variants and their stock.' })
    levels: InventoryLevelInput[],
  ) {
    return this.services.inventory.initialize(ctx, productId, levels);
  }
}

/**
 * Federation entry points. A page of references becomes one stock query through the loaders;
 * the field resolvers then read the same memoised values.
 */
export const referenceResolvers = ({ inventory, orders }: OrderServices) => ({
  Product: {
    __resolveReference: async (ref: { id: string }, ctx: RequestContext<OrderLoaders>) => {
      await inventory.productAvailable(ctx, ref.id);
      return { id: ref.id };
    },
  },
  ProductVariant: {
    __resolveReference: async (ref: { id: string }, ctx: RequestContext<OrderLoaders>) => {
      await inventory.quantityAvailable(ctx, ref.id);
      return { id: ref.id };
    },
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext<OrderLoaders>) =>
      orders.userReference(ctx, ref.id),
  },
});

export const resolvers = [
  ProductStockResolver,
  VariantStockResolver,
  InventoryMutationResolver,
  OrderQueryResolver,
  CheckoutResolver,
  OrderFieldsResolver,
  OrderLineFieldsResolver,
  PaymentFieldsResolver,
  UserOrdersResolver,
] as const;
