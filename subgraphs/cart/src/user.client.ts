/**
 * Where reminders go: the shopper's email and name, which the user service keeps. The adapter
 * asks the user subgraph's `_entities` for `User` references with the cart service's own
 * identity (the `service` group), which the user service answers for any user.
 */
import { serviceIdentity } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';

export interface ShopperContact {
  email: string;
  name: string | null;
}

export interface ShopperDirectory {
  /** Contacts by Cognito sub; shoppers the user service does not know are left out. */
  contacts(subs: readonly string[]): Promise<Map<string, ShopperContact>>;
}

const contactsQuery = `query CartShoppers($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on User { id email name }
  }
}`;

interface UserEntity {
  id: string;
  email: string | null;
  name: string | null;
}

export function userSubgraphDirectory(endpoint: SubgraphEndpoint): ShopperDirectory {
  return {
    async contacts(subs) {
      const found = new Map<string, ShopperContact>();
      if (subs.length === 0) return found;
      const data = await callSubgraph<{ _entities: (UserEntity | null)[] }>(
        'user',
        endpoint,
        serviceIdentity('cart'),
        contactsQuery,
        { r: subs.map((id) => ({ __typename: 'User', id })) },
      );
      for (const user of data._entities) {
        if (user?.email) found.set(user.id, { email: user.email, name: user.name });
      }
      return found;
    },
  };
}
