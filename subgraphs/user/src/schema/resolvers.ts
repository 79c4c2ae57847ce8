/** Thin resolvers: each turns its arguments into one AccountService or UserService call. */
import { viewerOnly } from '../../../../common/cache-hints';
import { AddressInput } from '../../../../common/address';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AccountService } from '../account.service';
import type { User as UserRecord } from '../domain';
import type { RequestContext } from '../../../../common/context';
import type { UserLoaders } from '../loaders';
import type { UserService } from '../user.service';
import {
  Address,
  AddressAddPayload,
  AddressRemovePayload,
  ConfirmSignUpInput,
  ConfirmSignUpPayload,
  ProfileUpdateInput,
  ProfileUpdatePayload,
  RefreshSessionPayload,
  SignInInput,
  SignInPayload,
  SignOutPayload,
  SignUpInput,
  SignUpPayload,
  User,
} from './types';

/** What the user subgraph's resolvers call. */
export interface UserServices {
  accounts: AccountService;
  users: UserService;
}

@Resolver()
export class AccountResolver {
  constructor(private readonly services: UserServices) {}

  @Mutation(() => SignUpPayload, {
    description:
      'Registers a new account. Unless `userConfirmed` is true, confirm it with the code sent by email.',
  })
  signUp(
    @Ctx() ctx: RequestContext<UserLoaders>,
    @Arg('input', () => SignUpInput, { description: 'Email, password and name.' })
    input: SignUpInput,
  ) {
    return this.services.accounts.signUp(ctx, input);
  }

  @Mutation(() => ConfirmSignUpPayload, {
    description: 'Confirms a sign-up with the code sent to the email address.',
  })
  confirmSignUp(
    @Ctx() ctx: RequestContext<UserLoaders>,
    @Arg('input', () => ConfirmSignUpInput, { description: 'Email address and code.' })
    input: ConfirmSignUpInput,
  ) {
    return this.services.accounts.confirmSignUp(ctx, input);
  }

  @Mutation(() => SignInPayload, {
    description:
      'Signs in with email and password. Attempts are limited per email address and per client (RATE_LIMITED).',
  })
  signIn(
    @Ctx() ctx: RequestContext<UserLoaders>,
    @Arg('input', () => SignInInput, { description: 'Email address and password.' })
    input: SignInInput,
  ) {
    return this.services.accounts.signIn(ctx, input);
  }

  @Mutation(() => RefreshSessionPayload, {
    description: 'Exchanges the refresh token from `signIn` for new access and id tokens.',
  })
  refreshSession(
    @Ctx() ctx: RequestContext<UserLoaders>,
    @Arg('refreshToken', () => String, { description: 'The refresh token `signIn` returned.' })
    refreshToken: string,
  ) {
    return this.services.accounts.refreshSession(ctx, refreshToken);
  }

  @Mutation(() => SignOutPayload, {
    description:
      'Signs the user out everywhere: every refresh token stops working. Needs a signed-in user.',
  })
  signOut(@Ctx() ctx: RequestContext<UserLoaders>) {
    return this.services.accounts.signOut(ctx);
  }
}

@Resolver()
export class ProfileResolver {
  constructor(private readonly services: UserServices) {}

  @viewerOnly()
  @Query(() => User, {
    nullable: true,
    description: 'The signed-in user; null for an anonymous caller.',
  })
  me(@Ctx() ctx: RequestContext<UserLoaders>) {
    return this.services.users.me(ctx);
  }

  @Mutation(() => ProfileUpdatePayload, {
    description: "Changes the signed-in user's profile. Needs a signed-in user.",
  })
  profileUpdate(
    @Ctx() ctx: RequestContext<UserLoaders>,
    @Arg('input', () => ProfileUpdateInput, { description: 'The fields to change.' })
    input: ProfileUpdateInput,
  ) {
    return this.services.users.updateProfile(ctx, input);
  }

  @Mutation(() => AddressAddPayload, {
    description: 'Saves a shipping address for the signed-in user. Needs a signed-in user.',
  })
  addressAdd(
    @Ctx() ctx: RequestContext<UserLoaders>,
    @Arg('input', () => AddressInput, { description: 'The address.' }) input: AddressInput,
  ) {
    return this.services.users.addAddress(ctx, input);
  }

  @Mutation(() => AddressRemovePayload, {
    description:
      "Removes one of the signed-in user's addresses. Removing the default makes the newest remaining address the default.",
  })
  addressRemove(
    @Ctx() ctx: RequestContext<UserLoaders>,
    @Arg('id', () => ID, { description: 'The address to remove.' }) id: string,
  ) {
    return this.services.users.removeAddress(ctx, id);
  }
}

@Resolver(() => User)
export class UserFieldsResolver {
  constructor(private readonly services: UserServices) {}

  @FieldResolver(() => Boolean, {
    description:
      "True when the user is in the Cognito `admin` group. Read from the caller's own token, so it is false for anyone else.",
  })
  isAdmin(@Root() user: UserRecord, @Ctx() ctx: RequestContext<UserLoaders>) {
    return this.services.users.isAdmin(ctx, user);
  }

  @FieldResolver(() => [Address], {
    description: 'Saved shipping addresses, the default first, then newest first.',
  })
  addresses(@Root() user: UserRecord, @Ctx() ctx: RequestContext<UserLoaders>) {
    return this.services.users.addresses(ctx, user);
  }
}

/**
 * Federation entry point: the cart and order subgraphs reference users by id. Through the
 * profile loader, so a page of references is one query; the caller's own user (or any, for an
 * admin) resolves, anyone else's is null.
 */
export const referenceResolvers = ({ users }: UserServices) => ({
  User: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext<UserLoaders>) =>
      users.userByReference(ctx, ref.id),
  },
});

export const resolvers = [AccountResolver, ProfileResolver, UserFieldsResolver] as const;
