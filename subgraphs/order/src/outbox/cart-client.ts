/**
 * Tells the cart service that an order was placed from a cart, so it empties the cart: the cart
 * subgraph's internal `cartCheckedOut` mutation (`@inaccessible`, never routed by the gateway),
 * called directly with the order service's own signed identity. The mutation is idempotent per
 * order id, so an at-least-once redelivery is harmless.
 */
import { IDENTITY_HEADER, serviceIdentity, signIdentity } from '../../../../common/identity';

export interface CartService {
  /** Resolves once the cart service has emptied the cart (or never knew it); rejects otherwise. */
  checkedOut(cartId: string, orderId: string): Promise<void>;
}

export interface CartServiceOptions {
  /** The cart subgraph's GraphQL endpoint (CART_SUBGRAPH_URL). */
  url: string;
  /** INTERNAL_IDENTITY_SECRET, shared with the gateway and the other subgraphs. */
  identitySecret: string;
  timeoutMs?: number;
}

const cartCheckedOutMutation = `mutation CartCheckedOut($id: ID!, $orderId: ID!) {
  cartCheckedOut(id: $id, orderId: $orderId)
}`;

interface GraphQLReply {
  data?: { cartCheckedOut?: boolean | null } | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

export function cartServiceClient(options: CartServiceOptions): CartService {
  return {
    async checkedOut(cartId, orderId) {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity(serviceIdentity('order'), options.identitySecret),
        },
        body: JSON.stringify({
          query: cartCheckedOutMutation,
          variables: { id: cartId, orderId },
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      let reply: GraphQLReply;
      try {
        reply = (await response.json()) as GraphQLReply;
      } catch {
        reply = {};
      }
      if (!response.ok || reply.errors?.length || reply.data?.cartCheckedOut !== true) {
        const first = reply.errors?.[0];
        const reason = first
          ? `${first.extensions?.code ?? 'ERROR'}: ${first.message ?? ''}`.trim()
          : `HTTP ${response.status}`;
        throw new Error(`the cart service did not empty cart ${cartId} (${reason})`);
      }
    },
  };
}
