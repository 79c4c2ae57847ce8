/** Per-request loaders for the user service; each batch is one `= ANY($1)` query. */
import DataLoader from 'dataloader';
import { measuredBatch } from '../../../common/metrics';
import type { Queryable } from '../../../common/postgres';
import { addressesByUserSubs } from './address.repository';
import type { Address, User } from './domain';
import { profilesBySubs } from './profile.repository';

export interface UserLoaders {
  /** Profile by Cognito sub; null when the user has none yet. */
  profile: DataLoader<string, User | null>;
  /** Addresses by Cognito sub, the default first, then newest first. */
  addresses: DataLoader<string, Address[]>;
}

export function createUserLoaders(db: Queryable): UserLoaders {
  return {
    profile: new DataLoader(
      measuredBatch('profile', async (subs) => {
        const profiles = await profilesBySubs(db, subs);
        return subs.map((sub) => profiles.get(sub) ?? null);
      }),
    ),
    addresses: new DataLoader(
      measuredBatch('addresses', async (subs) => {
        const addresses = await addressesByUserSubs(db, subs);
        return subs.map((sub) => addresses.get(sub) ?? []);
      }),
    ),
  };
}
