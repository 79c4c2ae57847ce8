/**
 * The signed-in shopper's email and saved addresses, for checkout, from the user service: its
 * `me` query, called directly with the caller's own identity.
 */
import type { RequestIdentity } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';
import type { PostalAddress } from './domain';

export interface SavedAddress extends PostalAddress {
  id: string;
}

export interface Account {
  email: string;
  addresses: SavedAddress[];
}

export interface AccountSource {
  /** The signed-in caller's email and saved addresses; null for an anonymous caller. */
  account(identity: RequestIdentity): Promise<Account | null>;
}

const accountQuery = `query CheckoutAccount {
  me { email addresses { id name line1 line2 city region postalCode countryCode } }
}`;

export function userServiceAccounts(endpoint: SubgraphEndpoint): AccountSource {
  return {
    async account(identity) {
      const data = await callSubgraph<{ me: Account | null }>(
        'user',
        endpoint,
        identity,
        accountQuery,
        {},
      );
      return data.me;
    },
  };
}
