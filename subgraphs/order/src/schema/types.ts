/** The catalog entities the order service contributes stock fields to, and its back-office types. */
import {
  Directive,
  Field,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A product of the catalog. Shoppers buy one of its variants.' })
export class Product {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({
  description:
    'A purchasable version of a product: one combination of its options, with a SKU and a price.',
})
export class ProductVariant {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;
}

/** The same enum, with the same values, is defined by every subgraph with back-office mutations. */
export enum AdminUserErrorCode {
  INVALID_INPUT = 'INVALID_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  SLUG_TAKEN = 'SLUG_TAKEN',
  SKU_TAKEN = 'SKU_TAKEN',
  REFUND_EXCEEDS_PAYMENT = 'REFUND_EXCEEDS_PAYMENT',
}

registerEnumType(AdminUserErrorCode, {
  name: 'AdminUserErrorCode',
  description: 'Why a back-office mutation did not do what was asked.',
  valuesConfig: {
    INVALID_INPUT: {
      description: 'An input value is missing, malformed or out of range; `field` says which.',
    },
    NOT_FOUND: { description: 'The record the mutation names does not exist.' },
    SLUG_TAKEN: { description: 'Another product already has this slug.' },
    SKU_TAKEN: { description: 'Another variant already has this SKU.' },
    REFUND_EXCEEDS_PAYMENT: {
      description: 'The refund is more than what is left of the payment to refund.',
    },
  },
});

@Directive('@shareable')
@ObjectType({
  description: 'A reason a back-office mutation did not do what was asked (an expected outcome).',
})
export class AdminUserError {
  @Field(() => AdminUserErrorCode, { description: 'What went wrong, for programs.' })
  code!: AdminUserErrorCode;

  @Field(() => [String], {
    nullable: true,
    description:
      'Path to the argument or input field at fault, for example ["input", "variants", "0", "sku"]; null when no single field is.',
  })
  field!: string[] | null;

  @Field({ description: 'What went wrong, for people.' })
  message!: string;
}

@ObjectType({ description: 'The result of inventorySet.' })
export class InventorySetPayload {
  @Field(() => ProductVariant, {
    nullable: true,
    description: 'The variant with its new stock; null when the stock was not set.',
  })
  variant!: ProductVariant | null;

  @Field(() => [AdminUserError], { description: 'Why the stock was not set; empty on success.' })
  userErrors!: AdminUserError[];
}

/** Internal: not part of the public API (the gateway never exposes it). */
@Directive('@federation__inaccessible')
@InputType({ description: 'The first stock of one variant of a new product.' })
export class InventoryLevelInput {
  @Field(() => ID, { description: 'The new variant.' })
  variantId!: string;

  @Field(() => Int, { description: 'Units in stock, 0 or more.' })
  quantity!: number;
}
