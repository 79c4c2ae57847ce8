/**
 * The back office's expected outcomes, shared by every subgraph with back-office mutations:
 * Federation requires a value type defined in several subgraphs to be identical (and @shareable),
 * so there is one definition.
 */
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';

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
