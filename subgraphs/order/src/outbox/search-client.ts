/**
 * Tells the search service about placed orders (purchase signals for its recommendations) and
 * about stock changes (the in-stock flag of its index): the search subgraph's internal
 * `searchOrderPlaced` and `searchStockChanged` mutations (never routed by the gateway), called
 * directly with the order service's own signed identity. Both answer `true` once done; anything
 * else rejects, so the outbox tries again later. Redeliveries must be harmless on the search
 * side: an order is recorded once per order id, and a stock refresh reads the current stock.
 */
import { serviceIdentity } from '../../../../common/identity';
import { callSubgraph } from '../../../../common/subgraph-client';
import type { SearchOrderPlacedPayload } from './events';

export interface SearchService {
  /** Resolves once the search service has recorded the order; rejects otherwise. */
  orderPlaced(order: SearchOrderPlacedPayload): Promise<void>;
  /** Resolves once the search service has refreshed these products' stock; rejects otherwise. */
  stockChanged(productIds: readonly string[]): Promise<void>;
}

export interface SearchServiceOptions {
  /**
   * The search subgraph's GraphQL endpoint (SEARCH_SUBGRAPH_URL). Read at every call, so a
   * getter can supply a URL known only later (a test stack on free ports).
   */
  readonly url: string;
  /** INTERNAL_IDENTITY_SECRET, shared with the gateway and the other subgraphs. */
  identitySecret: string;
  timeoutMs?: number;
}

export const searchOrderPlacedMutation = `mutation SearchOrderPlaced($input: SearchOrderPlacedInput!) {
  searchOrderPlaced(input: $input)
}`;

export const searchStockChangedMutation = `mutation SearchStockChanged($productIds: [ID!]!) {
  searchStockChanged(productIds: $productIds)
}`;

export function searchServiceClient(options: SearchServiceOptions): SearchService {
  const endpoint = {
    get url() {
      return options.url;
    },
    identitySecret: options.identitySecret,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
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
