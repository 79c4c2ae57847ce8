/**
 * Recommendations from purchase signals: products bought together, what a shopper's purchases
 * suggest, and best sellers. Never the product itself, never out of stock, never what the
 * shopper already bought.
 */
import DataLoader from 'dataloader';
import type { Pool } from 'pg';
import { errors } from '../../../common/errors';
import { isService, requireUser, type Viewer } from '../../../common/identity';
import { checkFirst } from '../../../common/pagination';
import type { PlacedOrder } from './domain';
import type { CatalogIndexer } from './indexer';
import { inTransaction } from '../../../common/postgres';
import { shopperSub } from './search.service';
import {
  bestSellers,
  purchasedBy,
  recommendedFor,
  recordOrder,
  similarProducts,
} from './signals.repository';

export const MAX_RECOMMENDATIONS = 50;
const MAX_ORDER_LINES = 500;
const MAX_STOCK_CHANGES = 1_000;

export interface RecommendationLoaders {
  /** Similar products by product id, one statement per page of products for each `first`. */
  similar(first: number): DataLoader<string, string[]>;
}

export interface RecommendationContext {
  viewer: Viewer;
  loaders: RecommendationLoaders;
}

export function createRecommendationLoaders(db: Pool): RecommendationLoaders {
  const byFirst = new Map<number, DataLoader<string, string[]>>();
  return {
    similar(first) {
      let loader = byFirst.get(first);
      if (!loader) {
        loader = new DataLoader(async (ids: readonly string[]) => {
          const found = await similarProducts(db, ids, first);
          return ids.map((id) => found.get(id) ?? []);
        });
        byFirst.set(first, loader);
      }
      return loader;
    },
  };
}

/** Internal mutations may only be called by another service of the store or an admin. */
function requireServiceOrAdmin(viewer: Viewer): void {
  const user = requireUser(viewer);
  if (!user.isAdmin && !isService(user)) {
    throw errors.forbidden('Only the services of the store can report orders and stock.');
  }
}

export class RecommendationService {
  constructor(
    private readonly db: Pool,
    private readonly indexer: CatalogIndexer,
  ) {}

  async similar(ctx: RecommendationContext, productId: string, first: number) {
    const limit = checkFirst(first, MAX_RECOMMENDATIONS);
    if (limit === 0) return [];
    const ids = await ctx.loaders.similar(limit).load(productId);
    return ids.map((id) => ({ id }));
  }

  async recommended(ctx: RecommendationContext, first: number) {
    const limit = checkFirst(first, MAX_RECOMMENDATIONS);
    if (limit === 0) return [];
    const sub = shopperSub(ctx.viewer);
    if (!sub) return (await bestSellers(this.db, limit, [])).map((id) => ({ id }));
    const [bought, personal] = await Promise.all([
      purchasedBy(this.db, sub),
      recommendedFor(this.db, sub, limit),
    ]);
    const filler =
      personal.length < limit
        ? await bestSellers(this.db, limit - personal.length, [...bought, ...personal])
        : [];
    return [...personal, ...filler].map((id) => ({ id }));
  }

  /** The order service reports a placed order: count it once, then refresh its products' stock. */
  async orderPlaced(ctx: RecommendationContext, order: PlacedOrder): Promise<boolean> {
    requireServiceOrAdmin(ctx.viewer);
    if (Number.isNaN(Date.parse(order.placedAt))) {
      throw errors.badUserInput('"placedAt" must be an ISO 8601 timestamp.', 'input.placedAt');
    }
    if (order.lines.length === 0 || order.lines.length > MAX_ORDER_LINES) {
      throw errors.badUserInput(
        `An order has 1 to ${MAX_ORDER_LINES} lines (got ${order.lines.length}).`,
        'input.lines',
      );
    }
    if (order.lines.some((line) => !Number.isInteger(line.quantity) || line.quantity < 1)) {
      throw errors.badUserInput('Every line needs a quantity of at least 1.', 'input.lines');
    }
    await inTransaction(this.db, (tx) => recordOrder(tx, order));
    await this.indexer.refreshStock(order.lines.map((line) => line.productId));
    return true;
  }

  /** The order service reports that these products' stock changed. */
  async stockChanged(ctx: RecommendationContext, productIds: string[]): Promise<boolean> {
    requireServiceOrAdmin(ctx.viewer);
    if (productIds.length > MAX_STOCK_CHANGES) {
      throw errors.badUserInput(
        `At most ${MAX_STOCK_CHANGES} products per call (got ${productIds.length}).`,
        'productIds',
      );
    }
    await this.indexer.refreshStock(productIds);
    return true;
  }
}
