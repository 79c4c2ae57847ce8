/**
 * Stock rules: what can still be sold of a variant, whether a product is for sale, and the back
 * office's stock changes. A variant is known to this service when it has a stock row: the seed
 * and productCreate (through `initialize`) give every variant one.
 *
 * A stock change appends `search.stock_changed` to the outbox in its transaction, so the search
 * service refreshes the product's in-stock flag if and only if the change commits.
 */
import type { UserError } from '../../../common/user-error';
import type { Pool } from 'pg';
import { errors } from '../../../common/errors';
import type { RequestContext } from '../../../common/context';
import { requireAdmin } from '../../../common/identity';
import { inTransaction } from '../../../common/postgres';
import type { AdminErrorCode, StockLevel } from './domain';
import type { OrderLoaders } from './loaders';
import { OutboxEventType, searchStockChangedPayload, stockChangedEvent } from './outbox/events';
import { appendOutbox } from './outbox/outbox.repository';
import { insertMissingStock, setStockQuantity } from './stock.repository';

/** Most units one variant can hold (stock is a PostgreSQL integer). */
export const MAX_QUANTITY = 1_000_000_000;

export interface InventorySetResult {
  variant: { id: string } | null;
  userErrors: UserError<AdminErrorCode>[];
}

const validQuantity = (quantity: number) =>
  Number.isInteger(quantity) && quantity >= 0 && quantity <= MAX_QUANTITY;

export class InventoryService {
  constructor(private readonly pool: Pool) {}

  quantityAvailable(ctx: RequestContext<OrderLoaders>, variantId: string): Promise<number> {
    return ctx.loaders.quantityAvailable.load(variantId);
  }

  async variantAvailable(ctx: RequestContext<OrderLoaders>, variantId: string): Promise<boolean> {
    return (await ctx.loaders.quantityAvailable.load(variantId)) > 0;
  }

  productAvailable(ctx: RequestContext<OrderLoaders>, productId: string): Promise<boolean> {
    return ctx.loaders.productAvailable.load(productId);
  }

  /** Sets what can be sold of a variant (the back office's stock count). Admins only. */
  async inventorySet(
    ctx: RequestContext<OrderLoaders>,
    variantId: string,
    quantity: number,
  ): Promise<InventorySetResult> {
    requireAdmin(ctx.identity.viewer);
    if (!validQuantity(quantity)) {
      return {
        variant: null,
        userErrors: [
          {
            code: 'INVALID_INPUT',
            field: ['quantity'],
            message: `The quantity must be a whole number from 0 to ${MAX_QUANTITY}.`,
          },
        ],
      };
    }
    const level = await inTransaction(this.pool, async (tx): Promise<StockLevel | null> => {
      const set = await setStockQuantity(tx, variantId, quantity);
      if (set) {
        await appendOutbox(
          tx,
          OutboxEventType.SearchStockChanged,
          searchStockChangedPayload([set.productId]),
        );
        await appendOutbox(tx, OutboxEventType.StoreEvent, stockChangedEvent([set]));
      }
      return set;
    });
    if (!level) {
      return {
        variant: null,
        userErrors: [
          { code: 'NOT_FOUND', field: ['variantId'], message: 'There is no such variant.' },
        ],
      };
    }
    ctx.loaders.quantityAvailable.clear(variantId).prime(variantId, level.quantity);
    ctx.loaders.productAvailable.clear(level.productId);
    return { variant: { id: variantId }, userErrors: [] };
  }

  /**
   * Gives a new product's variants their first stock; variants that have stock keep it (so a
   * retried call is harmless). Called by the product service while it creates the product, with
   * the admin's identity. Returns the number of variants given stock. When it gives any, it
   * appends `search.stock_changed` for the product in the same transaction.
   */
  async initialize(
    ctx: RequestContext<OrderLoaders>,
    productId: string,
    levels: readonly { variantId: string; quantity: number }[],
  ): Promise<number> {
    requireAdmin(ctx.identity.viewer);
    if (levels.some((l) => !validQuantity(l.quantity))) {
      throw errors.badUserInput(
        `Quantities must be whole numbers from 0 to ${MAX_QUANTITY}.`,
        'levels',
      );
    }
    return inTransaction(this.pool, async (tx) => {
      const created = await insertMissingStock(
        tx,
        levels.map((l) => ({ variantId: l.variantId, productId, quantity: l.quantity })),
      );
      // A repeated call that creates nothing changes nothing the search service could see.
      if (created > 0) {
        await appendOutbox(
          tx,
          OutboxEventType.SearchStockChanged,
          searchStockChangedPayload([productId]),
        );
        await appendOutbox(
          tx,
          OutboxEventType.StoreEvent,
          stockChangedEvent(levels.map((l) => ({ productId, variantId: l.variantId }))),
        );
      }
      return created;
    });
  }
}
