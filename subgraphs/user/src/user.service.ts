/**
 * Profiles and addresses. A profile is created on the user's first authenticated request, from
 * the attributes Cognito holds then; afterwards the profile is the store's own record. Address
 * changes run in one transaction holding the profile row's lock, so a user with addresses has
 * exactly one default whatever the concurrency. Every method takes the request context first.
 */
import type { RequestContext } from '../../../common/context';
import type { Pool } from 'pg';
import { errors } from '../../../common/errors';
import { isService, requireUser } from '../../../common/identity';
import { inTransaction } from '../../../common/postgres';
import {
  clearDefaultAddress,
  countAddresses,
  deleteAddress,
  insertAddress,
  promoteNewestAddress,
} from './address.repository';
import type { CognitoAccounts } from './cognito';
import { accountError, type AccountUserError, type Address, type User } from './domain';
import type { UserLoaders } from './loaders';
import { insertProfileIfMissing, lockProfile, updateProfileName } from './profile.repository';
import { checkAddress, checkName, isUuid, type AddressFields } from './validation';

/** Saved addresses per user, at most. */
export const MAX_ADDRESSES = 50;

const notFound = () => accountError('NOT_FOUND', 'You have no address with this id.', 'id');

export class UserService {
  constructor(
    private readonly pool: Pool,
    private readonly accounts: CognitoAccounts,
  ) {}

  /** The signed-in user's profile; null for an anonymous caller. */
  me(ctx: RequestContext<UserLoaders>): Promise<User | null> {
    return ctx.identity.viewer.kind === 'user' ? this.viewerProfile(ctx) : Promise.resolve(null);
  }

  /**
   * The signed-in user's profile, created when it does not exist yet (INSERT … ON CONFLICT DO
   * NOTHING, so concurrent first requests all succeed and one row results). Cognito is asked for
   * the email and name only then.
   */
  async viewerProfile(ctx: RequestContext<UserLoaders>): Promise<User> {
    const viewer = requireUser(ctx.identity.viewer);
    const existing = await ctx.loaders.profile.load(viewer.sub);
    if (existing) return existing;
    const attributes = await this.accounts.userOf(viewer.accessToken);
    if (!attributes) throw errors.unauthenticated('The session has ended. Sign in again.');
    if (!attributes.email) throw new Error(`Cognito user ${viewer.sub} has no email attribute`);
    const profile = await insertProfileIfMissing(this.pool, {
      sub: viewer.sub,
      email: attributes.email,
      name: attributes.name,
    });
    ctx.loaders.profile.clear(viewer.sub).prime(viewer.sub, profile);
    return profile;
  }

  /**
   * A user other subgraphs reference by id: the caller's own profile, or anyone's for an admin;
   * null otherwise (and for users without a profile).
   */
  async userByReference(ctx: RequestContext<UserLoaders>, id: string): Promise<User | null> {
    const viewer = ctx.identity.viewer;
    const allowed =
      viewer.kind === 'user' && (viewer.sub === id || viewer.isAdmin || isService(viewer));
    if (!allowed) return null;
    return ctx.loaders.profile.load(id);
  }

  /**
   * Membership of the Cognito `admin` group, known from the caller's token: true only for the
   * signed-in user themself when they are an admin.
   */
  isAdmin(ctx: RequestContext<UserLoaders>, user: User): boolean {
    return (
      ctx.identity.viewer.kind === 'user' &&
      ctx.identity.viewer.sub === user.id &&
      ctx.identity.viewer.isAdmin
    );
  }

  addresses(ctx: RequestContext<UserLoaders>, user: User): Promise<Address[]> {
    return ctx.loaders.addresses.load(user.id);
  }

  async updateProfile(
    ctx: RequestContext<UserLoaders>,
    input: { name?: string | null },
  ): Promise<{ user: User | null; userErrors: AccountUserError[] }> {
    const current = await this.viewerProfile(ctx);
    if (input.name === undefined || input.name === null) return { user: current, userErrors: [] };
    const checked = checkName(input.name);
    if ('code' in checked) return { user: null, userErrors: [checked] };
    const updated = await updateProfileName(this.pool, current.id, checked.name);
    if (!updated) throw new Error(`profile ${current.id} vanished during an update`);
    ctx.loaders.profile.clear(current.id).prime(current.id, updated);
    return { user: updated, userErrors: [] };
  }

  /**
   * Saves an address. The user's first address is the default whatever `isDefault` says; an
   * address added with `isDefault: true` becomes the only default.
   */
  async addAddress(
    ctx: RequestContext<UserLoaders>,
    input: AddressFields,
  ): Promise<{ address: Address | null; userErrors: AccountUserError[] }> {
    const profile = await this.viewerProfile(ctx);
    const checked = checkAddress(input);
    if ('code' in checked) return { address: null, userErrors: [checked] };
    const result = await inTransaction(this.pool, async (tx) => {
      await lockProfile(tx, profile.id);
      const count = await countAddresses(tx, profile.id);
      if (count >= MAX_ADDRESSES) return null;
      const isDefault = count === 0 || checked.isDefault;
      if (isDefault) await clearDefaultAddress(tx, profile.id);
      return insertAddress(tx, profile.id, { ...checked, isDefault });
    });
    ctx.loaders.addresses.clear(profile.id);
    if (!result) {
      return {
        address: null,
        userErrors: [
          accountError(
            'INVALID_INPUT',
            `You can save at most ${MAX_ADDRESSES} addresses; remove one first.`,
          ),
        ],
      };
    }
    return { address: result, userErrors: [] };
  }

  /**
   * Removes one of the user's addresses; another user's address, or an unknown id, is NOT_FOUND.
   * Removing the default makes the newest remaining address the default, so a user who has
   * addresses always has one.
   */
  async removeAddress(
    ctx: RequestContext<UserLoaders>,
    id: string,
  ): Promise<{ removedId: string | null; userErrors: AccountUserError[] }> {
    const profile = await this.viewerProfile(ctx);
    if (!isUuid(id)) return { removedId: null, userErrors: [notFound()] };
    const removed = await inTransaction(this.pool, async (tx) => {
      await lockProfile(tx, profile.id);
      const address = await deleteAddress(tx, profile.id, id);
      if (address?.isDefault) await promoteNewestAddress(tx, profile.id);
      return address;
    });
    ctx.loaders.addresses.clear(profile.id);
    return removed
      ? { removedId: removed.id, userErrors: [] }
      : { removedId: null, userErrors: [notFound()] };
  }
}
