/** The catalog entities the order service contributes stock fields to, and its back-office types. */
import { AdminUserError } from '../../../../common/admin-errors';
import {
  Directive,
  Field,
  ID,
  InputType,
  Int,
  ObjectType,
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
