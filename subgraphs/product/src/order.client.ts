/**
 * Stock belongs to the order service. When the back office creates a product, the quantities it
 * gives for the variants are handed to the order service before the product becomes visible, so
 * `quantityAvailable` is right from the first read. This is the port the catalog writes through;
 * the adapter calls the order subgraph's internal `inventoryInitialize` mutation (hidden from the
 * public schema) with the caller's own identity, so the order service applies its own rule
 * (admins only).
 */
import type { RequestIdentity } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';

export interface InitialStock {
  variantId: string;
  quantity: number;
}

export interface StockWriter {
  /**
   * Creates the stock of a new product's variants. Idempotent: variants that already have stock
   * keep it. Rejects when the order service refuses or cannot be reached.
   */
  initialize(
    identity: RequestIdentity,
    productId: string,
    levels: readonly InitialStock[],
  ): Promise<void>;
}

const initializeMutation = `mutation InventoryInitialize($productId: ID!, $levels: [InventoryLevelInput!]!) {
  inventoryInitialize(productId: $productId, levels: $levels)
}`;

/** The order subgraph's endpoint (ORDER_SUBGRAPH_URL) as the stock writer. */
export function orderServiceStockWriter(endpoint: SubgraphEndpoint): StockWriter {
  return {
    async initialize(identity, productId, levels) {
      if (levels.length === 0) return;
      const data = await callSubgraph<{ inventoryInitialize?: unknown }>(
        'order',
        endpoint,
        identity,
        initializeMutation,
        { productId, levels },
      );
      if (typeof data.inventoryInitialize !== 'number') {
        throw new Error('the order service did not record the initial stock');
      }
    },
  };
}
