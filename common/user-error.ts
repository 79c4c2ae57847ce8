/**
 * Expected business outcomes: returned in a payload's `userErrors` (never thrown), each with a
 * code for programs, the input field at fault and a message for people. Each subgraph has its
 * own code enum; the shape, the factory and the GraphQL type are shared.
 */
import { Directive, Field, ObjectType, registerEnumType, type ClassType } from 'type-graphql';
export interface UserError<C extends string> {
  code: C;
  /** Path to the argument or input field at fault, for example ["input", "lines", "0"]. */
  field: string[] | null;
  message: string;
}

/** A user error; list indexes in `field` become strings, as GraphQL paths show them. */
export function userError<C extends string>(
  code: C,
  message: string,
  field: readonly (string | number)[] | null = null,
): UserError<C> {
  return { code, field: field ? field.map(String) : null, message };
}

/** Words of a user error's GraphQL type. */
export interface UserErrorWords {
  /** Of the type: "A reason a cart mutation did not do all that was asked (an expected outcome)." */
  description: string;
  /** Of `field`: "Path to the … at fault, for example [...]; null when no single field is." */
  field: string;
  /** For a type more than one subgraph defines (federation requires them identical). */
  shareable?: boolean;
}

/** The GraphQL object type of a subgraph's user errors, with its code enum. */
export function userErrorType<C extends string>(
  name: string,
  codes: object,
  words: UserErrorWords,
): ClassType<UserError<C>> {
  @ObjectType(name, { description: words.description })
  class TypedUserError implements UserError<C> {
    @Field(() => codes, { description: 'What went wrong, for programs.' })
    code!: C;

    @Field(() => [String], { nullable: true, description: words.field })
    field!: string[] | null;

    @Field({ description: 'What went wrong, for people.' })
    message!: string;
  }
  if (words.shareable) Directive('@shareable')(TypedUserError);
  return TypedUserError;
}

// ---- the back office's, shared by every subgraph with back-office mutations ------------------

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

/** Federation requires a value type defined in several subgraphs to be identical (and @shareable). */
export const AdminUserError = userErrorType<AdminUserErrorCode>(
  'AdminUserError',
  AdminUserErrorCode,
  {
    description: 'A reason a back-office mutation did not do what was asked (an expected outcome).',
    field:
      'Path to the argument or input field at fault, for example ["input", "variants", "0", "sku"]; null when no single field is.',
    shareable: true,
  },
);

/**
 * The payload type of a mutation: its result (null when nothing was done) and its user errors,
 * for example `ProductCreatePayload { product: Product, userErrors: [AdminUserError!]! }`.
 */
export function payloadType(
  name: string,
  description: string,
  result: { field: string; type: ClassType<object>; description: string },
  userErrors: { type: ClassType<object>; description: string },
): ClassType<object> {
  @ObjectType(name, { description })
  class Payload {}
  Field(() => result.type, { nullable: true, description: result.description })(
    Payload.prototype,
    result.field,
  );
  Field(() => [userErrors.type], { description: userErrors.description })(
    Payload.prototype,
    'userErrors',
  );
  return Payload;
}
