/**
 * What checkout reads from the rest of the store, behind small ports so the rules in the service
 * do not depend on HTTP: the cart (cart service), prices and titles (product service), and the
 * shopper's email and saved addresses (user service). The adapters call those subgraphs directly
 * with a signed identity: the caller's own for the cart and the account (so the other service
 * applies its own access rules), an anonymous one for prices (they are public).
 */
import { anonymous, type RequestIdentity } from '../../../common/identity';
import { parseMinorUnits } from '../../../common/money';
import type { PostalAddress } from './domain';
import {
  callSubgraph,
  SubgraphCallError,
  type SubgraphEndpoint,
} from '../../../common/subgraph-client';

/** A cart as checkout sees it (the cart service's internal `cartForCheckout`). */
export interface CheckoutCart {
  id: string;
  /** The owner's Cognito sub; null for a guest cart. */
  ownerSub: string | null;
  version: number;
  lines: { variantId: string; quantity: number }[];
}

export interface CartSource {
  /**
   * The cart, as the caller may see it: null for an unknown or expired cart, and for a cart
   * another shopper owns.
   */
  cartForCheckout(identity: RequestIdentity, cartId: string): Promise<CheckoutCart | null>;
}

/** A variant's current price and names, from the catalog. */
export interface PricedVariant {
  id: string;
  sku: string;
  title: string;
  productId: string;
  productTitle: string;
  /** Minor units of `currency`. */
  price: number;
  currency: string;
}

export interface PriceSource {
  /** The variants the catalog has, by id; ids it does not know are left out. */
  variants(ids: readonly string[]): Promise<Map<string, PricedVariant>>;
}

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

// ---- adapters over the subgraphs -------------------------------------------------------------

const cartQuery = `query CartForCheckout($id: ID!) {
  cartForCheckout(id: $id) { id ownerSub version lines { variantId quantity } }
}`;

const variantsQuery = `query CheckoutPrices($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on ProductVariant { id sku title price { amount currencyCode } product { id slug title } }
  }
}`;

const accountQuery = `query CheckoutAccount {
  me { email addresses { id name line1 line2 city region postalCode countryCode } }
}`;

interface VariantEntity {
  id: string;
  sku: string;
  title: string;
  price: { amount: string; currencyCode: string };
  product: { id: string; slug: string; title: string } | null;
}

export function cartServiceSource(endpoint: SubgraphEndpoint): CartSource {
  return {
    async cartForCheckout(identity, cartId) {
      const data = await callSubgraph<{ cartForCheckout: CheckoutCart | null }>(
        'cart',
        endpoint,
        identity,
        cartQuery,
        { id: cartId },
      );
      const cart = data.cartForCheckout;
      if (!cart) return null;
      if (!Array.isArray(cart.lines)) throw new SubgraphCallError('cart', 'a cart without lines');
      return {
        id: cart.id,
        ownerSub: cart.ownerSub ?? null,
        version: cart.version,
        lines: cart.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
      };
    },
  };
}

export function productServicePrices(endpoint: SubgraphEndpoint): PriceSource {
  return {
    async variants(ids) {
      const found = new Map<string, PricedVariant>();
      if (ids.length === 0) return found;
      const data = await callSubgraph<{ _entities: (VariantEntity | null)[] }>(
        'product',
        endpoint,
        anonymous,
        variantsQuery,
        { r: ids.map((id) => ({ __typename: 'ProductVariant', id })) },
      );
      for (const entity of data._entities) {
        if (!entity?.product) continue;
        const price = parseMinorUnits(entity.price.amount);
        if (price === null) throw new SubgraphCallError('product', `a price of ${entity.id}`);
        found.set(entity.id, {
          id: entity.id,
          sku: entity.sku,
          title: entity.title,
          productId: entity.product.id,
          productTitle: entity.product.title,
          price,
          currency: entity.price.currencyCode,
        });
      }
      return found;
    },
  };
}

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

/** The three adapters, for the cart, product and user subgraphs' endpoints. */
export function subgraphSources(options: {
  cart: SubgraphEndpoint;
  product: SubgraphEndpoint;
  user: SubgraphEndpoint;
}): { cart: CartSource; prices: PriceSource; accounts: AccountSource } {
  return {
    cart: cartServiceSource(options.cart),
    prices: productServicePrices(options.product),
    accounts: userServiceAccounts(options.user),
  };
}
