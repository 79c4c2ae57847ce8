/** The product subgraph's GraphQL types for adding a review: the input, payload and user errors. */
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { payloadType, userErrorType } from '../../../../common/user-error';
import { Review } from './types';

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

export const ReviewUserError = userErrorType<ReviewUserErrorCode>(
  'ReviewUserError',
  ReviewUserErrorCode,
  {
    description: 'A reason a review was not added (an expected outcome).',
    field:
      'Path to the input field at fault, for example ["input", "rating"]; null when no single field is.',
  },
);

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

export const ReviewAddPayload = payloadType(
  'ReviewAddPayload',
  'The result of reviewAdd.',
  { field: 'review', type: Review, description: 'The new review; null when it was not added.' },
  { type: ReviewUserError, description: 'Why the review was not added; empty on success.' },
);
