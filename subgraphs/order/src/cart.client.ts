/**
 * The order service's calls to the cart service, directly (not through the gateway) with a signed
 * identity: checkout reads the cart with the caller's own identity, so the cart service applies
 * its own access rules; after an order is placed, the outbox tells it to empty the cart, with the
 * order service's identity, through the internal `cartCheckedOut` mutation (`@inaccessible`,
 * never routed by the gateway). That mutation is idempotent per order id, so an at-least-once
 * redelivery is harmless.
 */
import { serviceIdentity, type RequestIdentity } from '../../../common/identity';
import {
  callSubgraph,
  SubgraphCallError,
  type SubgraphEndpoint,
} from '../../../common/subgraph-client';

/** A cart as checkout sees it (the cart service's internal `cartForCheckout`). */
export interface CartForCheckout {
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
  cartForCheckout(identity: RequestIdentity, cartId: string): Promise<CartForCheckout | null>;
}

/** Tells the cart service that an order was placed from a cart. */
export interface CartNotifier {
  /** Resolves once the cart service has emptied the cart (or never knew it); rejects otherwise. */
  checkedOut(cartId: string, orderId: string): Promise<void>;
}

const cartQuery = `query CartForCheckout($id: ID!) {
  cartForCheckout(id: $id) { id ownerSub version lines { variantId quantity } }
}`;

const cartCheckedOutMutation = `mutation CartCheckedOut($id: ID!, $orderId: ID!) {
  cartCheckedOut(id: $id, orderId: $orderId)
}`;

export function cartServiceSource(endpoint: SubgraphEndpoint): CartSource {
  return {
    async cartForCheckout(identity, cartId) {
      const data = await callSubgraph<{ cartForCheckout: CartForCheckout | null }>(
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

export function cartServiceNotifier(endpoint: SubgraphEndpoint): CartNotifier {
  const identity = serviceIdentity('order');
  return {
    async checkedOut(cartId, orderId) {
      const data = await callSubgraph<{ cartCheckedOut?: unknown }>(
        'cart',
        endpoint,
        identity,
        cartCheckedOutMutation,
        { id: cartId, orderId },
      );
      if (data.cartCheckedOut !== true) {
        throw new Error(
          `the cart service did not empty cart ${cartId} (cartCheckedOut answered ${JSON.stringify(data.cartCheckedOut ?? null)})`,
        );
      }
    },
  };
}
