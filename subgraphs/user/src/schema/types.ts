/** The user subgraph's GraphQL types. Plain fields read the domain record directly. */
import { viewerOnly } from '../../../../common/cache-hints';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum AccountUserErrorCode {
  INVALID_EMAIL = 'INVALID_EMAIL',
  INVALID_PASSWORD = 'INVALID_PASSWORD',
  USERNAME_EXISTS = 'USERNAME_EXISTS',
  NOT_AUTHORIZED = 'NOT_AUTHORIZED',
  USER_NOT_CONFIRMED = 'USER_NOT_CONFIRMED',
  CODE_MISMATCH = 'CODE_MISMATCH',
  NOT_FOUND = 'NOT_FOUND',
  INVALID_INPUT = 'INVALID_INPUT',
  RATE_LIMITED = 'RATE_LIMITED',
}

registerEnumType(AccountUserErrorCode, {
  name: 'AccountUserErrorCode',
  description: 'Why an account operation did not do what was asked.',
  valuesConfig: {
    INVALID_EMAIL: { description: 'The email address is not a valid address.' },
    INVALID_PASSWORD: { description: 'The password is too weak for the password policy.' },
    USERNAME_EXISTS: { description: 'An account with this email address exists already.' },
    NOT_AUTHORIZED: {
      description:
        'Wrong email or password (which one is never said), a session that has ended, or an account that cannot be confirmed.',
    },
    USER_NOT_CONFIRMED: {
      description: 'The sign-up has not been confirmed with the emailed code yet.',
    },
    CODE_MISMATCH: { description: 'The confirmation code is wrong or has expired.' },
    NOT_FOUND: {
      description: 'There is no such thing for this user: no pending sign-up, no such address.',
    },
    INVALID_INPUT: {
      description: 'A field is empty, too long or malformed; `field` names it.',
    },
    RATE_LIMITED: {
      description: 'Too many attempts from this email address or client; try again later.',
    },
  },
});

@ObjectType({ description: 'An expected reason why an account operation did not succeed.' })
export class AccountUserError {
  @Field(() => AccountUserErrorCode, { description: 'What went wrong, for programs.' })
  code!: AccountUserErrorCode;

  @Field(() => String, {
    nullable: true,
    description: 'The input field the error is about (for example `email`); null for none.',
  })
  field!: string | null;

  @Field({ description: 'What went wrong, for people.' })
  message!: string;
}

@InputType({ description: 'A new account.' })
export class SignUpInput {
  @Field({ description: 'Email address; it is the username.' })
  email!: string;

  @Field({
    description: 'At least 8 characters, with upper and lower case letters, a digit and a symbol.',
  })
  password!: string;

  @Field({ description: 'The name to address the shopper by.' })
  name!: string;
}

@InputType({ description: 'The code that confirms a sign-up.' })
export class ConfirmSignUpInput {
  @Field({ description: 'The email address signed up with.' })
  email!: string;

  @Field({ description: 'The code sent to that email address.' })
  code!: string;
}

@InputType({ description: 'Credentials to sign in with.' })
export class SignInInput {
  @Field({ description: "The account's email address." })
  email!: string;

  @Field({ description: "The account's password." })
  password!: string;
}

@InputType({
  description: "Changes to the signed-in user's profile; omitted fields stay as they are.",
})
export class ProfileUpdateInput {
  @Field(() => String, { nullable: true, description: 'The new name, 1 to 100 characters.' })
  name?: string | null;
}

@viewerOnly()
@ObjectType({ description: 'A saved shipping address of the signed-in user.' })
export class Address {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;

  @Field({ description: 'Recipient.' })
  name!: string;

  @Field({ description: 'Street and number.' })
  line1!: string;

  @Field(() => String, { nullable: true, description: 'Apartment, suite, floor; null for none.' })
  line2!: string | null;

  @Field({ description: 'City or town.' })
  city!: string;

  @Field(() => String, {
    nullable: true,
    description: 'State, province or county; null for none.',
  })
  region!: string | null;

  @Field({ description: 'Postal or ZIP code.' })
  postalCode!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code, for example "US".' })
  countryCode!: string;

  @Field({
    description: 'True for the one default address (a user with addresses always has one).',
  })
  isDefault!: boolean;
}

@Directive('@key(fields: "id")')
@viewerOnly()
@ObjectType({
  description: "A shopper with an account: a Cognito user and the store's profile of them.",
})
export class User {
  @Field(() => ID, { description: 'The Cognito user id (`sub`); unique and stable.' })
  id!: string;

  @Field({ description: 'Email address the account was registered with.' })
  email!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Name to address the user by; null if none was given.',
  })
  name!: string | null;
}

@ObjectType({ description: 'Tokens for a signed-in session, issued by Amazon Cognito.' })
export class AuthSession {
  @Field({ description: 'Send as `Authorization: Bearer <accessToken>`.' })
  accessToken!: string;

  @Field({ description: "OpenID Connect id token with the user's attributes." })
  idToken!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Exchanges for new tokens with `refreshSession`. Returned at sign-in; null after a refresh, where the one from sign-in stays valid.',
  })
  refreshToken!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Seconds until the access token expires; null when unknown.',
  })
  expiresIn!: number | null;
}

@ObjectType({ description: 'The result of `signUp`.' })
export class SignUpPayload {
  @Field({
    description:
      'True when the account can sign in now; false when the code sent by email must be confirmed first.',
  })
  userConfirmed!: boolean;

  @Field(() => [AccountUserError], { description: 'Why the sign-up failed; empty on success.' })
  userErrors!: AccountUserError[];
}

@ObjectType({ description: 'The result of `confirmSignUp`.' })
export class ConfirmSignUpPayload {
  @Field({ description: 'True when the account is confirmed and can sign in.' })
  confirmed!: boolean;

  @Field(() => [AccountUserError], { description: 'Why confirming failed; empty on success.' })
  userErrors!: AccountUserError[];
}

@ObjectType({ description: 'The result of `signIn`.' })
export class SignInPayload {
  @Field(() => AuthSession, { nullable: true, description: 'The new session; null on failure.' })
  session!: AuthSession | null;

  @Field(() => [AccountUserError], { description: 'Why signing in failed; empty on success.' })
  userErrors!: AccountUserError[];
}

@ObjectType({ description: 'The result of `refreshSession`.' })
export class RefreshSessionPayload {
  @Field(() => AuthSession, {
    nullable: true,
    description: 'New access and id tokens (no new refresh token); null on failure.',
  })
  session!: AuthSession | null;

  @Field(() => [AccountUserError], { description: 'Why refreshing failed; empty on success.' })
  userErrors!: AccountUserError[];
}

@ObjectType({ description: 'The result of `signOut`.' })
export class SignOutPayload {
  @Field({ description: 'True when every session of the user has ended.' })
  signedOut!: boolean;
}

@ObjectType({ description: 'The result of `profileUpdate`.' })
export class ProfileUpdatePayload {
  @Field(() => User, { nullable: true, description: 'The updated profile; null on failure.' })
  user!: User | null;

  @Field(() => [AccountUserError], { description: 'Why the update failed; empty on success.' })
  userErrors!: AccountUserError[];
}

@ObjectType({ description: 'The result of `addressAdd`.' })
export class AddressAddPayload {
  @Field(() => Address, { nullable: true, description: 'The saved address; null on failure.' })
  address!: Address | null;

  @Field(() => [AccountUserError], {
    description: 'Why the address was not saved; empty on success.',
  })
  userErrors!: AccountUserError[];
}

@ObjectType({ description: 'The result of `addressRemove`.' })
export class AddressRemovePayload {
  @Field(() => ID, {
    nullable: true,
    description: 'The id of the removed address; null on failure.',
  })
  removedId!: string | null;

  @Field(() => [AccountUserError], { description: 'Why nothing was removed; empty on success.' })
  userErrors!: AccountUserError[];
}
