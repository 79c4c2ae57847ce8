/**
 * Shoppers' reviews. One review per shopper and product: a marker item
 * (`PRODUCT#<id>` / `REVIEWER#<sub>`) is put with `attribute_not_exists`, so the store decides,
 * whatever the concurrency. The product's rating counters move with UpdateItem ADD, so concurrent
 * reviews never lose a count.
 */
import { reviewerItem, reviewItem } from './catalog.items';
import type { RequestContext } from '../../../common/context';
import { randomUUID } from 'node:crypto';
import { requireUser, type Viewer } from '../../../common/identity';
import type { Product, Review, ReviewDraft, ReviewResult } from './domain';
import { addRating, deleteIfOwned, deleteItems, putIfAbsent, putItem } from './catalog.repository';
import type { CatalogService } from './catalog.service';
import type { CatalogLoaders } from './loaders';
import { key, type CatalogTable } from './catalog.table';
import { checkReviewDraft } from './validation';

/**
 * The name shown with a review when the shopper gives none. The identity the gateway asserts
 * carries no display name (Cognito access tokens have none, and the username may be an email
 * address, which is never shown), so it is derived from the stable user id: "Shopper 3F2A9C".
 */
export function defaultAuthorName(viewer: Extract<Viewer, { kind: 'user' }>): string {
  const tag = viewer.sub
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 6)
    .toUpperCase();
  return tag === '' ? 'Shopper' : `Shopper ${tag}`;
}

export class ReviewService {
  constructor(
    private readonly db: CatalogTable,
    private readonly catalog: CatalogService,
  ) {}

  async reviewAdd(ctx: RequestContext<CatalogLoaders>, draft: ReviewDraft): Promise<ReviewResult> {
    const user = requireUser(ctx.identity.viewer);
    const { review: input, problems } = checkReviewDraft(draft);
    if (problems.length > 0) return { review: null, userErrors: problems };
    const notFound: ReviewResult = {
      review: null,
      userErrors: [
        { code: 'NOT_FOUND', field: ['input', 'productId'], message: 'There is no such product.' },
      ],
    };
    if (input.productId === '' || !(await ctx.loaders.product.load(input.productId))) {
      return notFound;
    }

    const review: Review = {
      id: randomUUID(),
      productId: input.productId,
      rating: input.rating,
      title: input.title,
      body: input.body,
      authorName: input.authorName ?? defaultAuthorName(user),
      createdAt: new Date().toISOString(),
    };
    if (!(await putIfAbsent(this.db, reviewerItem(review.productId, user.sub, review.id)))) {
      return {
        review: null,
        userErrors: [
          {
            code: 'ALREADY_REVIEWED',
            field: ['input', 'productId'],
            message: 'You have already reviewed this product.',
          },
        ],
      };
    }

    let product: Product | null;
    try {
      await putItem(this.db, reviewItem(review));
      product = await addRating(this.db, review.productId, review.rating);
    } catch (error) {
      await this.undo(review, user.sub);
      throw error;
    }
    if (!product) {
      await this.undo(review, user.sub);
      return notFound;
    }
    // The product record carries the rating and the review count, which keys the review pages.
    await this.catalog.invalidate({ products: [review.productId], listings: false });
    ctx.loaders.product.clear(review.productId).prime(review.productId, product);
    return { review, userErrors: [] };
  }

  private async undo(review: Review, userId: string): Promise<void> {
    await Promise.allSettled([
      deleteItems(this.db, [key.review(review.productId, review.createdAt, review.id)]),
      deleteIfOwned(this.db, key.reviewer(review.productId, userId), 'reviewId', review.id),
    ]);
  }
}
