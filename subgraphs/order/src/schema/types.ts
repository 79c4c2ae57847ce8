/** The catalog entities the order service contributes stock fields to. */
import { Directive, Field, ID, ObjectType } from 'type-graphql';

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
