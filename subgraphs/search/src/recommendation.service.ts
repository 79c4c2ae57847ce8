/**
 * Recommendations from purchase signals: products bought together, what a shopper's purchases
 * suggest, and best sellers. Never the product itself, never out of stock, never what the
 * shopper already bought.
 */
import type { Pool } from 'pg';
import type { RequestContext } from '../../../common/context';
import { errors } from '../../../common/errors';
import { requireServiceOrAdmin } from '../../../common/identity';
import { checkFirst } from '../../../common/pagination';
import type { PlacedOrder } from './domain';
import type { CatalogIndexer } from './indexer';
import type { SearchLoaders } from './loaders';
import { inTransaction } from '../../../common/postgres';
import { shopperSub } from './search.service';
import { bestSellers, purchasedBy, recommendedFor, recordOrder } from './signals.repository';

export const MAX_RECOMMENDATIONS = 50;
const MAX_ORDER_LINES = 500;
const MAX_STOCK_CHANGES = 1_000;

export class RecommendationService {
  constructor(
    private readonly db: Pool,
    private readonly indexer: CatalogIndexer,
  ) {}

  async similar(ctx: RequestContext<SearchLoaders>, productId: string, first: number) {
    const limit = checkFirst(first, MAX_RECOMMENDATIONS);
    if (limit === 0) return [];
    const ids = await ctx.loaders.similar(limit).load(productId);
    return ids.map((id) => ({ id }));
  }

  async recommended(ctx: RequestContext<SearchLoaders>, first: number) {
    const limit = checkFirst(first, MAX_RECOMMENDATIONS);
    if (limit === 0) return [];
    const sub = shopperSub(ctx.identity.viewer);
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
  async orderPlaced(ctx: RequestContext<SearchLoaders>, order: PlacedOrder): Promise<boolean> {
    requireServiceOrAdmin(
      ctx.identity.viewer,
      'Only the services of the store can report orders and stock.',
    );
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
  async stockChanged(ctx: RequestContext<SearchLoaders>, productIds: string[]): Promise<boolean> {
    requireServiceOrAdmin(
      ctx.identity.viewer,
      'Only the services of the store can report orders and stock.',
    );
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
