/**
 * The product subgraph's GraphQL types: the catalog, reviews, the back office's inputs and
 * payloads. Plain fields read the domain record directly.
 */
import { CATALOG_MAX_AGE, inheritsHint, publicFor } from '../../../../common/cache-hints';
import { AdminUserError, payloadType } from '../../../../common/user-error';
import {
  Directive,
  Field,
  Float,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { Money } from '../../../../common/money';
import { connectionTypes } from '../../../../common/pagination';

export enum ProductSort {
  FEATURED = 'FEATURED',
  TITLE = 'TITLE',
  PRICE_ASC = 'PRICE_ASC',
  PRICE_DESC = 'PRICE_DESC',
  NEWEST = 'NEWEST',
}

registerEnumType(ProductSort, {
  name: 'ProductSort',
  description: 'The order of a product listing.',
  valuesConfig: {
    FEATURED: { description: 'Merchandised order: the most featured products first.' },
    TITLE: { description: 'Alphabetical by title.' },
    PRICE_ASC: { description: 'Cheapest first (by the lowest variant price).' },
    PRICE_DESC: { description: 'Most expensive first (by the lowest variant price).' },
    NEWEST: { description: 'Most recently added first.' },
  },
});

@inheritsHint()
@ObjectType({ description: 'A picture of a product, served from the asset CDN.' })
export class Image {
  @Field({ description: 'Absolute URL of the image.' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'Text alternative for screen readers.' })
  altText!: string | null;
}

@inheritsHint()
@ObjectType({ description: 'A downloadable document about a product: a manual, a data sheet.' })
export class ProductDocument {
  @Field({ description: 'What the document is, for example "User manual".' })
  title!: string;

  @Field({ description: 'Absolute URL of the file.' })
  url!: string;

  @Field({ description: 'MIME type of the file, for example "application/pdf".' })
  contentType!: string;
}

@inheritsHint()
@ObjectType({
  description: 'An option a product comes in, such as size or colour, with its values.',
})
export class ProductOption {
  @Field({ description: 'Name of the option, for example "Color".' })
  name!: string;

  @Field(() => [String], { description: 'Values the option takes across the variants.' })
  values!: string[];
}

@inheritsHint()
@ObjectType({ description: 'The value one variant has for one product option.' })
export class SelectedOption {
  @Field({ description: 'Name of the option, for example "Size".' })
  name!: string;

  @Field({ description: 'The value, for example "M".' })
  value!: string;
}

@inheritsHint()
@ObjectType({ description: "The lowest and highest price among a product's variants." })
export class PriceRange {
  @Field(() => Money, { description: 'Price of the cheapest variant.' })
  minVariantPrice!: Money;

  @Field(() => Money, { description: 'Price of the most expensive variant.' })
  maxVariantPrice!: Money;
}

@inheritsHint()
@ObjectType({ description: "The average of a product's review ratings." })
export class RatingSummary {
  @Field(() => Float, {
    description: 'Mean rating from 1 to 5, to one decimal; 0 when there are no reviews.',
  })
  average!: number;

  @Field(() => Int, { description: 'Number of reviews.' })
  count!: number;
}

@publicFor(CATALOG_MAX_AGE)
@ObjectType({ description: 'A group of products shoppers browse by, such as "Headphones".' })
export class Category {
  @Field({ description: 'Stable, URL-safe identifier of the category.' })
  slug!: string;

  @Field({ description: 'Display name.' })
  name!: string;

  @Field({ description: 'A sentence or two about the category.' })
  description!: string;

  @Field(() => Int, { description: 'Number of products in the category.' })
  productCount!: number;
}

@publicFor(CATALOG_MAX_AGE)
@ObjectType({ description: "A shopper's review of a product." })
export class Review {
  @Field(() => ID, { description: 'Unique identifier of the review.' })
  id!: string;

  @Field(() => Int, { description: 'Rating from 1 (poor) to 5 (excellent).' })
  rating!: number;

  @Field({ description: 'Headline of the review.' })
  title!: string;

  @Field({ description: 'Text of the review.' })
  body!: string;

  @Field({ description: 'Name the reviewer chose to show.' })
  authorName!: string;

  @Field({ description: 'When the review was written (ISO 8601).' })
  createdAt!: string;
}

export const { Edge: ReviewEdge, Connection: ReviewConnection } = connectionTypes(Review, {
  one: 'A review',
  many: 'reviews',
  description: 'A page of reviews, newest first.',
  totalCount: 'Number of reviews in all pages.',
});

@Directive('@key(fields: "id")')
@publicFor(CATALOG_MAX_AGE)
@ObjectType({ description: 'A product of the catalog. Shoppers buy one of its variants.' })
export class Product {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;

  @Field({ description: 'URL-safe identifier for product pages; unique across the catalog.' })
  slug!: string;

  @Field({ description: 'Display title.' })
  title!: string;

  @Field({ description: 'Long description, plain text.' })
  description!: string;

  @Field(() => String, { nullable: true, description: 'Brand or manufacturer.' })
  brand!: string | null;

  @Field({ description: 'When the product was added (ISO 8601).' })
  createdAt!: string;

  @Field({ description: 'When the product last changed (ISO 8601).' })
  updatedAt!: string;
}

@Directive('@key(fields: "id")')
@publicFor(CATALOG_MAX_AGE)
@ObjectType({
  description:
    'A purchasable version of a product: one combination of its options, with a SKU and a price.',
})
export class ProductVariant {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;

  @Field({ description: 'Stock keeping unit; unique across the catalog.' })
  sku!: string;

  @Field({ description: 'Display title, for example "Black / M".' })
  title!: string;

  @Field(() => [SelectedOption], { description: 'The option values that define this variant.' })
  selectedOptions!: SelectedOption[];
}

export const { Edge: ProductEdge, Connection: ProductConnection } = connectionTypes(Product, {
  one: 'A product',
  many: 'products',
  description: 'A page of products (Relay cursor connection).',
  totalCount: 'Number of products across all pages of this listing.',
});

@InputType({ description: 'Narrows a product listing.' })
export class ProductFilter {
  @Field(() => String, { nullable: true, description: 'Only products of this category.' })
  categorySlug?: string | null;
}

@Directive('@federation__inaccessible')
@ObjectType({
  description:
    'Internal (search service): a product as the search index takes it from the catalog change feed.',
})
export class CatalogDocument {
  @Field(() => ID, { description: "The product's id." })
  id!: string;

  @Field({ description: "The product's slug." })
  slug!: string;

  @Field({ description: 'Display title.' })
  title!: string;

  @Field({ description: 'Long description, plain text.' })
  description!: string;

  @Field(() => String, { nullable: true, description: 'Brand or manufacturer; null when none.' })
  brand!: string | null;

  @Field({ description: 'Slug of the category the product is listed in.' })
  categorySlug!: string;

  @Field({ description: 'Display name of that category.' })
  categoryName!: string;

  @Field(() => Int, { description: 'Price of the cheapest variant, in minor units (cents).' })
  minPrice!: number;

  @Field(() => Int, {
    description: 'Price of the most expensive variant, in minor units (cents).',
  })
  maxPrice!: number;

  @Field({ description: "ISO 4217 code of the prices' currency." })
  currencyCode!: string;

  @Field({ description: 'When the product was added (ISO 8601).' })
  createdAt!: string;

  @Field({ description: 'When the product last changed (ISO 8601).' })
  updatedAt!: string;

  @Field({
    description:
      'The feed position this document was read at: "<updatedAt>#<id>". When the product changed while the page was read, this is the earlier position and the content is already the newer one; the document then appears again at its new position.',
  })
  position!: string;
}

@Directive('@federation__inaccessible')
@ObjectType({
  description: 'Internal (search service): one page of the catalog change feed.',
})
export class CatalogChangePage {
  @Field(() => [CatalogDocument], {
    description: 'Products changed after the position asked for, ascending by (updatedAt, id).',
  })
  documents!: CatalogDocument[];

  @Field(() => String, {
    nullable: true,
    description:
      'Position of the last document; pass it as `after` for the next page. Null when the page is empty.',
  })
  endPosition!: string | null;

  @Field({ description: 'True when changes follow this page.' })
  hasMore!: boolean;
}

// ---- back office -----------------------------------------------------------------------------

@InputType({ description: 'An image of a new product.' })
export class ImageInput {
  @Field({
    description: 'Where the image is: a key or URL on the asset CDN, or another https URL.',
  })
  url!: string;

  @Field(() => String, { nullable: true, description: 'Text alternative for screen readers.' })
  altText?: string | null;
}

@InputType({ description: 'The value a variant has for one product option.' })
export class SelectedOptionInput {
  @Field({ description: 'Name of the option, for example "Size"; the same on every variant.' })
  name!: string;

  @Field({ description: 'The value, for example "M".' })
  value!: string;
}

@InputType({ description: 'A variant of a new product.' })
export class VariantInput {
  @Field({
    description:
      'Stock keeping unit, unique across the catalog: 1 to 64 letters, digits, ".", "/", "-" or "_".',
  })
  sku!: string;

  @Field({ description: 'Display title, for example "Black / M".' })
  title!: string;

  @Field({ description: 'Price of one unit in the store currency, two decimal places: "19.99".' })
  price!: string;

  @Field(() => Int, {
    description:
      'Units in stock to start with (0 or more); kept by the order service from then on.',
  })
  quantity!: number;

  @Field(() => [SelectedOptionInput], {
    nullable: true,
    description: 'The option values that set this variant apart; unique per variant.',
  })
  selectedOptions?: SelectedOptionInput[] | null;
}

@InputType({ description: 'A new product with its variants.' })
export class ProductCreateInput {
  @Field({ description: 'Display title, 1 to 200 characters.' })
  title!: string;

  @Field({ description: 'Long description, plain text.' })
  description!: string;

  @Field(() => String, { nullable: true, description: 'Brand or manufacturer.' })
  brand?: string | null;

  @Field({ description: 'Slug of the category to list the product in.' })
  categorySlug!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'URL-safe identifier (lower-case letters, digits, hyphens), unique; made from the title when omitted.',
  })
  slug?: string | null;

  @Field(() => [ImageInput], { nullable: true, description: 'Images, the featured one first.' })
  images?: ImageInput[] | null;

  @Field(() => [VariantInput], { description: 'The variants, 1 to 100, in display order.' })
  variants!: VariantInput[];
}

@InputType({ description: 'Changes to a product; fields left out (or null) stay as they are.' })
export class ProductUpdateInput {
  @Field(() => String, { nullable: true, description: 'New display title.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'New long description.' })
  description?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'New brand; an empty string removes it.',
  })
  brand?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Slug of the category to move the product to.',
  })
  categorySlug?: string | null;
}

export const ProductCreatePayload = payloadType(
  'ProductCreatePayload',
  'The result of productCreate.',
  {
    field: 'product',
    type: Product,
    description: 'The new product; null when it was not created.',
  },
  { type: AdminUserError, description: 'Why the product was not created; empty on success.' },
);

export const ProductUpdatePayload = payloadType(
  'ProductUpdatePayload',
  'The result of productUpdate.',
  {
    field: 'product',
    type: Product,
    description: 'The product as it is now; null when it was not updated.',
  },
  { type: AdminUserError, description: 'Why the product was not updated; empty on success.' },
);
