/** Inputs and payloads of the product subgraph's mutations: the back office and reviews. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AdminUserError } from '../../../../common/admin-errors';
import { Product, Review } from './types';

// ---- back office -----------------------------------------------------------------------------

@InputType({ description: 'An image of a new product.' })
export class ImageInput {
  @Field({
    description:
      'Where the image is: a key or URL on the asset CDN, or another https URL.',
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
    description: 'Units in stock to start with (0 or more); kept by the order service from then on.',
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

@ObjectType({ description: 'The result of productCreate.' })
export class ProductCreatePayload {
  @Field(() => Product, { nullable: true, description: 'The new product; null when it was not created.' })
  product!: Product | null;

  @Field(() => [AdminUserError], { description: 'Why the product was not created; empty on success.' })
  userErrors!: AdminUserError[];
}

@ObjectType({ description: 'The result of productUpdate.' })
export class ProductUpdatePayload {
  @Field(() => Product, {
    nullable: true,
    description: 'The product as it is now; null when it was not updated.',
  })
  product!: Product | null;

  @Field(() => [AdminUserError], { description: 'Why the product was not updated; empty on success.' })
  userErrors!: AdminUserError[];
}

// ---- reviews -----------------------------------------------------------------------------------

export enum ReviewUserErrorCode {
  INVALID_INPUT = 'INVALID_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  ALREADY_REVIEWED = 'ALREADY_REVIEWED',
}

registerEnumType(ReviewUserErrorCode, {
  name: 'ReviewUserErrorCode',
  description: 'Why a review was not added.',
  valuesConfig: {
    INVALID_INPUT: {
      description: 'The rating is not 1 to 5, or a text is empty or too long; `field` says which.',
    },
    NOT_FOUND: { description: 'There is no product with this id.' },
    ALREADY_REVIEWED: { description: 'The shopper has already reviewed this product.' },
  },
});

@ObjectType({ description: 'A reason a review was not added (an expected outcome).' })
export class ReviewUserError {
  @Field(() => ReviewUserErrorCode, { description: 'What went wrong, for programs.' })
  code!: ReviewUserErrorCode;

  @Field(() => [String], {
    nullable: true,
    description:
      'Path to the input field at fault, for example ["input", "rating"]; null when no single field is.',
  })
  field!: string[] | null;

  @Field({ description: 'What went wrong, for people.' })
  message!: string;
}

@InputType({ description: 'A review of a product by the signed-in shopper.' })
export class ReviewAddInput {
  @Field(() => ID, { description: 'The product reviewed.' })
  productId!: string;

  @Field(() => Int, { description: 'Rating from 1 (poor) to 5 (excellent).' })
  rating!: number;

  @Field({ description: 'Headline, 1 to 120 characters.' })
  title!: string;

  @Field({ description: 'Text of the review, 1 to 5,000 characters.' })
  body!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Name to show with the review, at most 60 characters; when omitted, "Shopper" and a short tag of the account.',
  })
  authorName?: string | null;
}

@ObjectType({ description: 'The result of reviewAdd.' })
export class ReviewAddPayload {
  @Field(() => Review, { nullable: true, description: 'The new review; null when it was not added.' })
  review!: Review | null;

  @Field(() => [ReviewUserError], { description: 'Why the review was not added; empty on success.' })
  userErrors!: ReviewUserError[];
}
