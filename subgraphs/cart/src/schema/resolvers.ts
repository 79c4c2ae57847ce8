/** Thin resolvers: each turns its arguments into one CartService call. */
import { viewerOnly } from '../../../../common/cache-hints';
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Money } from '../../../../common/money';
import type { RequestContext } from '../../../../common/context';
import type { CartService } from '../cart.service';
import type { CartLoaders } from '../loaders';
import type { Cart as CartRecord, CartLine as CartLineRecord } from '../domain';
import {
  Cart,
  CartAssignToViewerPayload,
  CartCost,
  CartCreatePayload,
  CartInput,
  CartLine,
  CartLineCost,
  CartLineInput,
  CartLineUpdateInput,
  CartLinesAddPayload,
  CartLinesRemovePayload,
  CartLinesUpdatePayload,
  CheckoutCart,
  ProductVariant,
  User,
} from './types';

/** What the cart subgraph's resolvers call. */
export interface CartServices {
  carts: CartService;
}

/** What CartCost resolves from: the cart it is the cost of. */
interface CartCostSource {
  cart: CartRecord;
}

@Resolver()
export class CartQueryResolver {
  constructor(private readonly services: CartServices) {}

  @viewerOnly()
  @Query(() => Cart, {
    nullable: true,
    description:
      "A cart by id; null when there is none, it expired, or it is another shopper's cart.",
  })
  cart(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('id', () => ID, { description: "The cart's id." }) id: string,
  ) {
    return this.services.carts.cart(ctx, id);
  }

  /** Internal: the order service reads the cart it checks out. Hidden by @inaccessible. */
  @Directive('@federation__inaccessible')
  @Query(() => CheckoutCart, {
    nullable: true,
    description:
      "Internal (order service only): a cart's lines for checkout; null when there is none, it expired, or it is another shopper's.",
  })
  cartForCheckout(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('id', () => ID, { description: 'The cart.' }) id: string,
  ) {
    return this.services.carts.checkoutCart(ctx, id);
  }
}

@Resolver()
export class CartMutationResolver {
  constructor(private readonly services: CartServices) {}

  @Mutation(() => CartCreatePayload, {
    description:
      "Starts a cart, optionally with lines. Signed in, the lines go into the shopper's one cart (`me.cart`), created when there is none.",
  })
  cartCreate(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('input', () => CartInput, { description: 'What the cart starts with.' }) input: CartInput,
  ) {
    return this.services.carts.cartCreate(ctx, input.lines ?? []);
  }

  @Mutation(() => CartLinesAddPayload, {
    description:
      "Adds variants to a cart; a variant already in it has its line's quantity raised. Quantities above the stock are capped (INSUFFICIENT_STOCK).",
  })
  cartLinesAdd(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('cartId', () => ID, { description: 'The cart.' }) cartId: string,
    @Arg('lines', () => [CartLineInput], { description: 'Variants and how many of each to add.' })
    lines: CartLineInput[],
  ) {
    return this.services.carts.cartLinesAdd(ctx, cartId, lines);
  }

  @Mutation(() => CartLinesUpdatePayload, {
    description: 'Sets the quantity of lines of a cart; 0 removes a line.',
  })
  cartLinesUpdate(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('cartId', () => ID, { description: 'The cart.' }) cartId: string,
    @Arg('lines', () => [CartLineUpdateInput], { description: 'Lines and their new quantities.' })
    lines: CartLineUpdateInput[],
  ) {
    return this.services.carts.cartLinesUpdate(ctx, cartId, lines);
  }

  @Mutation(() => CartLinesRemovePayload, { description: 'Removes lines from a cart.' })
  cartLinesRemove(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('cartId', () => ID, { description: 'The cart.' }) cartId: string,
    @Arg('lineIds', () => [ID], { description: 'The lines to remove (CartLine.id).' })
    lineIds: string[],
  ) {
    return this.services.carts.cartLinesRemove(ctx, cartId, lineIds);
  }

  @Mutation(() => CartAssignToViewerPayload, {
    description:
      "Signed in: merges a guest cart into the shopper's own cart (created when there is none), quantities of the same variant added and capped by stock; the guest cart is gone afterwards.",
  })
  cartAssignToViewer(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('cartId', () => ID, { description: 'The guest cart.' }) cartId: string,
  ) {
    return this.services.carts.cartAssignToViewer(ctx, cartId);
  }

  /** Internal: the order service empties a cart it checked out. Hidden by @inaccessible. */
  @Directive('@federation__inaccessible')
  @Mutation(() => Boolean, {
    description:
      'Internal (order service only): empties the cart whose checkout placed the order. Idempotent; true also for an unknown cart.',
  })
  cartCheckedOut(
    @Ctx() ctx: RequestContext<CartLoaders>,
    @Arg('id', () => ID, { description: 'The cart.' }) id: string,
    @Arg('orderId', () => ID, { description: 'The order its checkout placed.' }) orderId: string,
  ) {
    return this.services.carts.cartCheckedOut(ctx, id, orderId);
  }
}

@Resolver(() => Cart)
export class CartFieldsResolver {
  constructor(private readonly services: CartServices) {}

  @FieldResolver(() => Int, { description: 'Units across all lines.' })
  totalQuantity(@Root() cart: CartRecord, @Ctx() ctx: RequestContext<CartLoaders>) {
    return this.services.carts.totalQuantity(ctx, cart);
  }

  @FieldResolver(() => [CartLine], {
    description:
      'The lines, in the order they were added. A line whose variant the catalog no longer has is left out.',
  })
  lines(@Root() cart: CartRecord, @Ctx() ctx: RequestContext<CartLoaders>) {
    return this.services.carts.lines(ctx, cart);
  }

  @FieldResolver(() => CartCost, { description: 'What the cart costs at current prices.' })
  cost(@Root() cart: CartRecord): CartCostSource {
    return { cart };
  }
}

@Resolver(() => CartCost)
export class CartCostResolver {
  constructor(private readonly services: CartServices) {}

  @FieldResolver(() => Money, {
    nullable: true,
    description:
      'Sum of the lines at current prices; null when prices could not be read or are in different currencies.',
  })
  subtotalAmount(@Root() source: CartCostSource, @Ctx() ctx: RequestContext<CartLoaders>) {
    return this.services.carts.subtotal(ctx, source.cart);
  }
}

@Resolver(() => CartLine)
export class CartLineFieldsResolver {
  constructor(private readonly services: CartServices) {}

  @FieldResolver(() => ProductVariant, {
    description: 'The variant: its SKU, title, price and stock come from the catalog.',
  })
  variant(@Root() line: CartLineRecord): ProductVariant {
    return { id: line.variantId };
  }

  @FieldResolver(() => CartLineCost, {
    nullable: true,
    description: 'What the line costs at the current price; null when the price could not be read.',
  })
  cost(@Root() line: CartLineRecord, @Ctx() ctx: RequestContext<CartLoaders>) {
    return this.services.carts.lineCost(ctx, line);
  }
}

@Resolver(() => User)
export class UserCartResolver {
  constructor(private readonly services: CartServices) {}

  @FieldResolver(() => Cart, {
    nullable: true,
    description:
      "The shopper's cart; null when they have none, and for anyone but the signed-in shopper themself.",
  })
  cart(@Root() user: User, @Ctx() ctx: RequestContext<CartLoaders>) {
    return this.services.carts.userCart(ctx, user.id);
  }
}

/** Federation entry point: the user subgraph's `me` hands `User` references to this one. */
export const referenceResolvers = ({ carts }: CartServices) => ({
  User: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext<CartLoaders>) =>
      carts.userReference(ctx, ref.id),
  },
});

export const resolvers = [
  CartQueryResolver,
  CartMutationResolver,
  CartFieldsResolver,
  CartCostResolver,
  CartLineFieldsResolver,
  UserCartResolver,
] as const;
