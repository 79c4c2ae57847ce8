/** The cart's GraphQL types, the entities it extends, and its internal types for checkout. */
import { viewerOnly } from '../../../../common/cache-hints';
import { userErrorType, payloadType } from '../../../../common/user-error';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Money } from '../../../../common/money';

export enum CartUserErrorCode {
  CART_NOT_FOUND = 'CART_NOT_FOUND',
  LINE_NOT_FOUND = 'LINE_NOT_FOUND',
  VARIANT_NOT_FOUND = 'VARIANT_NOT_FOUND',
  INVALID_QUANTITY = 'INVALID_QUANTITY',
  INSUFFICIENT_STOCK = 'INSUFFICIENT_STOCK',
}

registerEnumType(CartUserErrorCode, {
  name: 'CartUserErrorCode',
  description: 'Why a cart mutation did not do all that was asked.',
  valuesConfig: {
    CART_NOT_FOUND: {
      description:
        "There is no cart with this id: it never existed, it expired, or it is another shopper's.",
    },
    LINE_NOT_FOUND: { description: 'The cart has no line with this id; nothing was changed.' },
    VARIANT_NOT_FOUND: {
      description: 'The catalog has no variant with this id; nothing was changed.',
    },
    INVALID_QUANTITY: {
      description:
        'A quantity is out of range (a line holds 1 to 999 units; 0 removes a line in cartLinesUpdate); nothing was changed.',
    },
    INSUFFICIENT_STOCK: {
      description:
        'Fewer units can be bought than asked for: the quantity was lowered to what is available, and the cart is returned with it.',
    },
  },
});

/** Defined by the product subgraph; the cart only refers to it by id. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType({
  description:
    'A purchasable version of a product: one combination of its options, with a SKU and a price.',
})
export class ProductVariant {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;
}

/** Defined by the user subgraph; the cart adds the shopper's cart to it. */
@Directive('@key(fields: "id")')
@viewerOnly()
@ObjectType({
  description: "A shopper with an account: a Cognito user and the store's profile of them.",
})
export class User {
  @Field(() => ID, { description: 'The Cognito user id (`sub`); unique and stable.' })
  id!: string;
}

@viewerOnly()
@ObjectType({ description: 'What one line of a cart costs at the current price.' })
export class CartLineCost {
  @Field(() => Money, { description: 'The current price of one unit.' })
  amountPerQuantity!: Money;

  @Field(() => Money, { description: 'The price of one unit times the quantity.' })
  subtotalAmount!: Money;
}

@viewerOnly()
@ObjectType({ description: 'One variant in a cart, with how many of it.' })
export class CartLine {
  @Field(() => ID, {
    description: 'Identifies the line within its cart, for cartLinesUpdate and cartLinesRemove.',
  })
  id!: string;

  @Field(() => Int, { description: 'Units of the variant, 1 to 999.' })
  quantity!: number;
}

@viewerOnly()
@ObjectType({ description: 'What the cart costs at current prices, before shipping and tax.' })
export class CartCost {}

@viewerOnly()
@ObjectType({
  description:
    'A shopping cart. A guest cart is open to whoever holds its id; a signed-in shopper has one cart, `me.cart`, open to them only. A cart expires 30 days after its last change.',
})
export class Cart {
  @Field(() => ID, { description: 'Unguessable identifier; keep it to come back to the cart.' })
  id!: string;

  @Field({ description: 'When the lines last changed (ISO 8601).' })
  updatedAt!: string;

  @Field({
    description:
      'When the cart expires unless it changes before then: 30 days after the last change (ISO 8601).',
  })
  expiresAt!: string;
}

export const CartUserError = userErrorType<CartUserErrorCode>('CartUserError', CartUserErrorCode, {
  description: 'A reason a cart mutation did not do all that was asked (an expected outcome).',
  field:
    'Path to the argument or input field at fault, for example ["lines", "0", "quantity"]; null when no single field is.',
});

/** The payload of one cart mutation: every cart mutation returns the same shape. */
const cartPayload = (name: string, mutation: string) =>
  payloadType(
    name,
    `The result of ${mutation}.`,
    {
      field: 'cart',
      type: Cart,
      description:
        'The cart after the mutation (as it was, when nothing changed); null when there is no cart to show.',
    },
    {
      type: CartUserError,
      description: 'What could not be done as asked; empty when everything was.',
    },
  );

export const CartCreatePayload = cartPayload('CartCreatePayload', 'cartCreate');
export const CartLinesAddPayload = cartPayload('CartLinesAddPayload', 'cartLinesAdd');
export const CartLinesUpdatePayload = cartPayload('CartLinesUpdatePayload', 'cartLinesUpdate');
export const CartLinesRemovePayload = cartPayload('CartLinesRemovePayload', 'cartLinesRemove');
export const CartAssignToViewerPayload = cartPayload(
  'CartAssignToViewerPayload',
  'cartAssignToViewer',
);

@InputType({ description: 'A variant to put in a cart, and how many.' })
export class CartLineInput {
  @Field(() => ID, { description: 'The variant.' })
  variantId!: string;

  @Field(() => Int, {
    description:
      'Units to add, 1 to 999; added to the line when the variant is already in the cart.',
  })
  quantity!: number;
}

@InputType({ description: 'A new quantity for a line of a cart.' })
export class CartLineUpdateInput {
  @Field(() => ID, { description: 'The line (CartLine.id).' })
  id!: string;

  @Field(() => Int, { description: 'The new quantity, 0 to 999; 0 removes the line.' })
  quantity!: number;
}

@InputType({ description: 'What a new cart starts with.' })
export class CartInput {
  @Field(() => [CartLineInput], { nullable: true, description: 'Variants to put in the cart.' })
  lines?: CartLineInput[] | null;
}

// ---- internal: for the order service's checkout, hidden from the public API ---------------------

@Directive('@federation__inaccessible')
@ObjectType({ description: 'Internal: one line of a cart as checkout reads it.' })
export class CheckoutCartLine {
  @Field(() => ID, { description: 'The variant.' })
  variantId!: string;

  @Field(() => Int, { description: 'Units of it.' })
  quantity!: number;
}

@Directive('@federation__inaccessible')
@ObjectType({ description: 'Internal: a cart as checkout reads it.' })
export class CheckoutCart {
  @Field(() => ID, { description: 'The cart.' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Cognito sub of the shopper the cart belongs to; null for a guest cart.',
  })
  ownerSub!: string | null;

  @Field(() => Int, { description: 'The cart version read; every change increments it.' })
  version!: number;

  @Field(() => [CheckoutCartLine], { description: 'The lines, in the order they were added.' })
  lines!: CheckoutCartLine[];
}
