/**
 * Stock belongs to the order service. When the back office creates a product, the quantities it
 * gives for the variants are handed to the order service before the product becomes visible, so
 * `quantityAvailable` is right from the first read. This is the port the catalog writes through;
 * the adapter calls the order subgraph's internal `inventoryInitialize` mutation (hidden from the
 * public schema) with the caller's identity, signed like the gateway signs it.
 */
import { IDENTITY_HEADER, signIdentity, type Viewer } from '../../../common/identity';

export interface InitialStock {
  variantId: string;
  quantity: number;
}

export interface StockWriter {
  /**
   * Creates the stock of a new product's variants. Idempotent: variants that already have stock
   * keep it. Rejects when the order service refuses or cannot be reached.
   */
  initialize(viewer: Viewer, productId: string, levels: readonly InitialStock[]): Promise<void>;
}

export interface OrderServiceOptions {
  /** The order subgraph's GraphQL endpoint (ORDER_SUBGRAPH_URL). */
  url: string;
  /** INTERNAL_IDENTITY_SECRET, shared with the gateway and the other subgraphs. */
  identitySecret: string;
  timeoutMs?: number;
}

const initializeMutation = `mutation InventoryInitialize($productId: ID!, $levels: [InventoryLevelInput!]!) {
  inventoryInitialize(productId: $productId, levels: $levels)
}`;

interface GraphQLReply {
  data?: { inventoryInitialize?: number } | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

export function orderServiceStockWriter(options: OrderServiceOptions): StockWriter {
  return {
    async initialize(viewer, productId, levels) {
      if (levels.length === 0) return;
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDENTITY_HEADER]: signIdentity({ viewer, clientIp: null }, options.identitySecret),
        },
        body: JSON.stringify({
          query: initializeMutation,
          variables: { productId, levels },
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      let reply: GraphQLReply;
      try {
        reply = (await response.json()) as GraphQLReply;
      } catch {
        reply = {};
      }
      if (
        !response.ok ||
        reply.errors?.length ||
        typeof reply.data?.inventoryInitialize !== 'number'
      ) {
        const code = reply.errors?.[0]?.extensions?.code ?? `HTTP ${response.status}`;
        throw new Error(`the order service did not record the initial stock (${code})`);
      }
    },
  };
}
