/**
 * Thin resolvers of the order subgraph: each turns its arguments into one InventoryService,
 * OrderService or CheckoutService call; money fields turn minor units into Money. Then the list
 * of every resolver and the federation entry points.
 */
import { viewerOnly } from '../../../../common/cache-hints';
import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Directive,
  Subscription,
} from 'type-graphql';
import { errors } from '../../../../common/errors';
import { Money } from '../../../../common/money';
import type {
  Order as OrderRecord,
  OrderLine as OrderLineRecord,
  Payment as PaymentRecord,
} from '../domain';
import type { RequestContext } from '../../../../common/context';
import type { OrderLoaders } from '../loaders';
import {
  ProductVariant,
  CheckoutInput,
  CheckoutPayload,
  Order,
  OrderAddress,
  OrderCancelPayload,
  OrderConnection,
  OrderFulfillPayload,
  OrderLine,
  OrderRefundPayload,
  OrderStatus,
  OrderStatusChange,
  Payment,
  User,
  InventoryLevelInput,
  InventorySetPayload,
  Product,
} from './types';
import type { CheckoutService } from '../checkout.service';
import type { InventoryService } from '../inventory.service';
import type { OrderService } from '../order.service';

@Resolver()
export class OrderQueryResolver {
  constructor(private readonly services: OrderServices) {}

  @viewerOnly()
  @Query(() => Order, {
    nullable: true,
    description:
      'One order by id; null when there is none. An order placed signed in is visible to its owner and admins only (anyone else gets null and FORBIDDEN); a guest order to whoever holds its id.',
  })
  order(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('id', () => ID, { description: 'The order id checkout returned.' }) id: string,
  ) {
    return this.services.orders.order(ctx, id);
  }

  @viewerOnly()
  @Query(() => OrderConnection, {
    description: 'Every order, newest first, optionally of one status. Admins only.',
  })
  orders(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('first', () => Int, { description: 'Page size, 0 to 100.' }) first: number,
    @Arg('status', () => OrderStatus, {
      nullable: true,
      description: 'Only orders with this status; all when omitted.',
    })
    status?: OrderStatus | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Cursor of the last order of the previous page.',
    })
    after?: string | null,
  ) {
    return this.services.orders.orders(ctx, { status, first, after });
  }
}

@Resolver()
export class CheckoutResolver {
  constructor(private readonly services: OrderServices) {}

  @Mutation(() => CheckoutPayload, {
    description:
      'Turns a cart into a paid order, all or nothing: the stock is taken, the card charged and the order placed together, or none of it happens. On success the cart is emptied. Guests must give an email.',
  })
  checkout(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('input', () => CheckoutInput, {
      description: 'The cart, the idempotency key, the card token, the address and the email.',
    })
    input: CheckoutInput,
  ) {
    return this.services.checkout.checkout(ctx, input);
  }

  @Mutation(() => OrderCancelPayload, {
    description:
      "Cancels an order that has not been fulfilled: refunds it in full, gives the stock back and sets CANCELLED. The order's owner (for a guest order, whoever holds its id) and admins may.",
  })
  orderCancel(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('id', () => ID, { description: 'The order to cancel.' }) id: string,
  ) {
    return this.services.orders.cancel(ctx, id);
  }

  @Mutation(() => OrderFulfillPayload, {
    description: 'Marks a paid order as shipped. Admins only.',
  })
  orderFulfill(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('id', () => ID, { description: 'The order shipped.' }) id: string,
    @Arg('trackingNumber', () => String, {
      nullable: true,
      description: "The parcel's tracking number, up to 100 characters.",
    })
    trackingNumber?: string | null,
  ) {
    return this.services.orders.fulfil(ctx, id, trackingNumber);
  }

  @Mutation(() => OrderRefundPayload, {
    description:
      "Refunds all or part of an order's payment. A refund that completes the payment's refund sets the order REFUNDED. Admins only.",
  })
  orderRefund(
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('id', () => ID, { description: 'The order to refund.' }) id: string,
    @Arg('amount', () => String, {
      nullable: true,
      description:
        'How much to refund, like "12.50", in the order\'s currency; omitted: everything not refunded yet.',
    })
    amount?: string | null,
  ) {
    return this.services.orders.refund(ctx, id, amount);
  }
}

@Resolver(() => Order)
export class OrderFieldsResolver {
  constructor(private readonly services: OrderServices) {}

  @FieldResolver(() => [OrderLine], { description: 'What was bought, in cart order.' })
  lines(@Root() order: OrderRecord, @Ctx() ctx: RequestContext<OrderLoaders>) {
    return this.services.orders.lines(ctx, order);
  }

  @FieldResolver(() => Money, { description: 'The sum of the line totals.' })
  subtotal(@Root() order: OrderRecord) {
    return Money.of(order.subtotal, order.currency);
  }

  @FieldResolver(() => Money, {
    description:
      'Shipping: a flat rate, or nothing when the subtotal reaches the free-shipping threshold.',
  })
  shipping(@Root() order: OrderRecord) {
    return Money.of(order.shipping, order.currency);
  }

  @FieldResolver(() => Money, {
    description: 'Sales tax on the subtotal (shipping is not taxed), rounded half up to the cent.',
  })
  tax(@Root() order: OrderRecord) {
    return Money.of(order.tax, order.currency);
  }

  @FieldResolver(() => Money, { description: 'What was charged: subtotal + shipping + tax.' })
  total(@Root() order: OrderRecord) {
    return Money.of(order.total, order.currency);
  }

  @FieldResolver(() => OrderAddress, { description: 'Where the order ships.' })
  shippingAddress(@Root() order: OrderRecord) {
    return order.shippingAddress;
  }

  @FieldResolver(() => Payment, { description: 'The payment: its status, card and refunds.' })
  payment(@Root() order: OrderRecord, @Ctx() ctx: RequestContext<OrderLoaders>) {
    return this.services.orders.payment(ctx, order);
  }

  @FieldResolver(() => [OrderStatusChange], {
    description: 'Every status the order has had, oldest first (the first is PAID).',
  })
  statusHistory(@Root() order: OrderRecord, @Ctx() ctx: RequestContext<OrderLoaders>) {
    return this.services.orders.statusHistory(ctx, order);
  }
}

@Resolver(() => OrderLine)
export class OrderLineFieldsResolver {
  @FieldResolver(() => Money, { description: 'Price of one unit when it was bought.' })
  unitPrice(@Root() line: OrderLineRecord) {
    return Money.of(line.unitPrice, line.currency);
  }

  @FieldResolver(() => Money, { description: 'Unit price × quantity.' })
  totalPrice(@Root() line: OrderLineRecord) {
    return Money.of(line.totalPrice, line.currency);
  }

  @FieldResolver(() => ProductVariant, {
    nullable: true,
    description:
      'The catalog variant bought, as it is now (its product, images); null when the catalog no longer has it.',
  })
  variant(@Root() line: OrderLineRecord): ProductVariant {
    return { id: line.variantId };
  }
}

@Resolver(() => Payment)
export class PaymentFieldsResolver {
  @FieldResolver(() => Money, { description: 'The amount charged at checkout.' })
  amountCaptured(@Root() payment: PaymentRecord) {
    return Money.of(payment.amountCaptured, payment.currency);
  }

  @FieldResolver(() => Money, { description: 'How much of it was refunded so far.' })
  amountRefunded(@Root() payment: PaymentRecord) {
    return Money.of(payment.amountRefunded, payment.currency);
  }
}

@Resolver(() => User)
export class UserOrdersResolver {
  constructor(private readonly services: OrderServices) {}

  @FieldResolver(() => OrderConnection, {
    nullable: true,
    description:
      "The shopper's orders, newest first. Only the shopper themself (and admins) can see them: anyone else gets null and FORBIDDEN.",
  })
  orders(
    @Root() user: User,
    @Ctx() ctx: RequestContext<OrderLoaders>,
    @Arg('first', () => Int, { defaultValue: 10, description: 'Page size, 0 to 100.' })
    first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Cursor of the last order of the previous page.',
    })
    after?: string | null,
  ) {
    return this.services.orders.ordersOfUser(ctx, user.id, { first, after });
  }
}

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
    description: 'True when some variant can be bought now; null when stock could not be read.',
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

/**
 * Live updates. The fields are declared here, where stock and orders live, so they compose into
 * the supergraph; the gateway serves them (gateway/src/live/): on each committed change it
 * resolves the subscriber's selection through the supergraph as a query (`product(id)`,
 * `order(id)`). A subgraph never runs a subscription itself.
 */
@Resolver()
export class LiveUpdatesResolver {
  @Subscription(() => Product, {
    subscribe: servedByTheGateway,
    description:
      "A product's stock as it changes: its current state first, then once per committed change (a sale, a cancel, the back office setting stock, a catalog edit), in commit order. Anyone may subscribe.",
  })
  productStockChanged(
    @Arg('productId', () => ID, { description: 'The product to follow.' }) _productId: string,
  ): Product {
    throw servedByTheGateway();
  }

  @Subscription(() => Order, {
    subscribe: servedByTheGateway,
    description:
      'An order as its status changes: its current state first, then once per committed change (fulfilled, cancelled, refunded), in commit order. Its owner and admins only (anyone else gets FORBIDDEN or UNAUTHENTICATED and no events); a guest order, whoever holds its id.',
  })
  orderStatusChanged(
    @Arg('id', () => ID, { description: 'The order to follow.' }) _id: string,
  ): Order {
    throw servedByTheGateway();
  }

  @Subscription(() => Order, {
    subscribe: servedByTheGateway,
    description:
      "The back office's live order feed: the newest order first (none while the store has no order), then every order as it is placed. Admins only.",
  })
  orderPlaced(): Order {
    throw servedByTheGateway();
  }
}

function servedByTheGateway(): never {
  throw errors.badRequest('Subscriptions are served by the gateway, at its /graphql.');
}

export const resolvers = [
  LiveUpdatesResolver,
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
