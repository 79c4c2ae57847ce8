/**
 * Tells the search service about placed orders (purchase signals for its recommendations) and
 * about stock changes (the in-stock flag of its index): the search subgraph's internal
 * `searchOrderPlaced` and `searchStockChanged` mutations (never routed by the gateway), called
 * directly with the order service's own signed identity. Both answer `true` once done; anything
 * else rejects, so the outbox tries again later. Redeliveries must be harmless on the search
 * side: an order is recorded once per order id, and a stock refresh reads the current stock.
 */
import { serviceIdentity } from '../../../common/identity';
import { callSubgraph, type SubgraphEndpoint } from '../../../common/subgraph-client';
import type { SearchOrderPlacedPayload } from './outbox/events';

export interface SearchNotifier {
  /** Resolves once the search service has recorded the order; rejects otherwise. */
  orderPlaced(order: SearchOrderPlacedPayload): Promise<void>;
  /** Resolves once the search service has refreshed these products' stock; rejects otherwise. */
  stockChanged(productIds: readonly string[]): Promise<void>;
}

export const searchOrderPlacedMutation = `mutation SearchOrderPlaced($input: SearchOrderPlacedInput!) {
  searchOrderPlaced(input: $input)
}`;

export const searchStockChangedMutation = `mutation SearchStockChanged($productIds: [ID!]!) {
  searchStockChanged(productIds: $productIds)
}`;

export function searchServiceNotifier(endpoint: SubgraphEndpoint): SearchNotifier {
  const identity = serviceIdentity('order');
  return {
    async orderPlaced(order) {
      const data = await callSubgraph<{ searchOrderPlaced?: unknown }>(
        'search',
        endpoint,
        identity,
        searchOrderPlacedMutation,
        {
          input: {
            orderId: order.orderId,
            ownerSub: order.ownerSub,
            placedAt: order.placedAt,
            lines: order.lines.map((l) => ({
              productId: l.productId,
              variantId: l.variantId,
              quantity: l.quantity,
            })),
          },
        },
      );
      if (data.searchOrderPlaced !== true) {
        throw new Error(
          `the search service did not record order ${order.orderId} (searchOrderPlaced answered ${JSON.stringify(data.searchOrderPlaced ?? null)})`,
        );
      }
    },
    async stockChanged(productIds) {
      const data = await callSubgraph<{ searchStockChanged?: unknown }>(
        'search',
        endpoint,
        identity,
        searchStockChangedMutation,
        { productIds: [...productIds] },
      );
      if (data.searchStockChanged !== true) {
        throw new Error(
          `the search service did not refresh the stock of ${productIds.length} product(s) (searchStockChanged answered ${JSON.stringify(data.searchStockChanged ?? null)})`,
        );
      }
    },
  };
}
