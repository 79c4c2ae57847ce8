/**
 * The back office's catalog writes: creating and editing products. Admins only.
 *
 * DynamoDB-compatible stores without transactions (dynalite) are supported, so a create is a
 * sequence whose every step can be undone until the product is visible:
 *   1. claim the slug and every SKU with conditional puts (`attribute_not_exists`): the store,
 *      not a read before the write, decides who gets a slug, so two concurrent creates with the
 *      same slug cannot both succeed; on any conflict the claims this request made are released;
 *   2. hand the initial stock to the order service (see order.client.ts);
 *   3. write the variants, the product (which puts it in the catalog change feed, see
 *      catalog-feed.service.ts), then its listing entries;
 *   4. add to the category's and the catalog's product counts (UpdateItem ADD);
 *   5. drop the cached records it touched and make cached listings stale.
 */
import { listingItems, productItem, skuItem, slugItem, variantItem } from './catalog.items';
import type { UserError } from '../../../common/user-error';
import type { RequestContext } from '../../../common/context';
import { randomUUID } from 'node:crypto';
import { requireAdmin } from '../../../common/identity';
import type {
  AdminErrorCode,
  Product,
  ProductChanges,
  ProductDraft,
  ProductResult,
  Variant,
} from './domain';
import {
  adjustCounts,
  deleteIfOwned,
  deleteItems,
  getProductForUpdate,
  putIfAbsent,
  updateProductAttributes,
  writeItems,
  type ProductAttributes,
} from './catalog.repository';
import type { CatalogService } from './catalog.service';
import type { CatalogLoaders } from './loaders';
import type { StockWriter } from './order.client';
import { key, type CatalogTable } from './catalog.table';
import { checkProductChanges, checkProductDraft } from './validation';

/** The store's currency; every price is in it. */
export const STORE_CURRENCY = 'USD';

/** Featured rank of a new product: after every merchandised product until it is ranked. */
export const NEW_PRODUCT_RANK = 1_000_000_000;

const failed = (...userErrors: UserError<AdminErrorCode>[]): ProductResult => ({
  product: null,
  userErrors,
});

/** An ISO timestamp strictly after `previous`, so every update changes `updatedAt`. */
export function after(previous: string): string {
  const now = Date.now();
  const last = Date.parse(previous);
  return new Date(Number.isNaN(last) || now > last ? now : last + 1).toISOString();
}

export class ProductAdminService {
  constructor(
    private readonly db: CatalogTable,
    private readonly catalog: CatalogService,
    private readonly stock: StockWriter | null,
    private readonly assetBaseUrl: string,
  ) {}

  async productCreate(
    ctx: RequestContext<CatalogLoaders>,
    draft: ProductDraft,
  ): Promise<ProductResult> {
    requireAdmin(ctx.identity.viewer);
    const { product: input, problems } = checkProductDraft(draft, this.assetBaseUrl);
    const userErrors: UserError<AdminErrorCode>[] = [...problems];
    if (input.categorySlug !== '' && !(await ctx.loaders.category.load(input.categorySlug))) {
      userErrors.push({
        code: 'INVALID_INPUT',
        field: ['input', 'categorySlug'],
        message: `There is no category "${input.categorySlug}".`,
      });
    }
    if (userErrors.length > 0) return failed(...userErrors);
    if (!this.stock) {
      throw new Error('products cannot be created: no order service is configured for stock');
    }

    const now = new Date().toISOString(); // restamped just before the product is written
    const productId = randomUUID();
    const variants: Variant[] = input.variants.map((v, position) => ({
      id: randomUUID(),
      productId,
      sku: v.sku,
      title: v.title,
      price: v.price,
      currencyCode: STORE_CURRENCY,
      selectedOptions: v.selectedOptions,
      position,
    }));
    const prices = variants.map((v) => v.price);
    const product: Product = {
      id: productId,
      slug: input.slug,
      title: input.title,
      description: input.description,
      brand: input.brand,
      categorySlug: input.categorySlug,
      images: input.images,
      documents: [],
      options: input.options,
      variantIds: variants.map((v) => v.id),
      minPrice: Math.min(...prices),
      maxPrice: Math.max(...prices),
      currencyCode: STORE_CURRENCY,
      featuredRank: NEW_PRODUCT_RANK,
      ratingCount: 0,
      ratingSum: 0,
      createdAt: now,
      updatedAt: now,
    };

    // 1. Claim the slug and the SKUs; release what this request claimed on any conflict.
    const [slugFree, ...skusFree] = await Promise.all([
      putIfAbsent(this.db, slugItem(product.slug, productId)),
      ...variants.map((v) => putIfAbsent(this.db, skuItem(v.sku, v.id))),
    ]);
    const release = () =>
      Promise.all([
        slugFree ? deleteIfOwned(this.db, key.slug(product.slug), 'productId', productId) : null,
        ...variants.map((v, i) =>
          skusFree[i] ? deleteIfOwned(this.db, key.sku(v.sku), 'variantId', v.id) : null,
        ),
      ]);
    if (!slugFree || skusFree.some((free) => !free)) {
      await release();
      return failed(
        ...(slugFree
          ? []
          : [
              {
                code: 'SLUG_TAKEN' as const,
                field: ['input', 'slug'],
                message: `Another product has the slug "${product.slug}".`,
              },
            ]),
        ...variants.flatMap((v, i) =>
          skusFree[i]
            ? []
            : [
                {
                  code: 'SKU_TAKEN' as const,
                  field: ['input', 'variants', String(i), 'sku'],
                  message: `Another variant has the SKU "${v.sku}".`,
                },
              ],
        ),
      );
    }

    // 2-3. Stock first, then the catalog items, the listing entries last (they make it visible).
    try {
      await this.stock.initialize(
        ctx.identity,
        productId,
        variants.map((v, i) => ({ variantId: v.id, quantity: input.variants[i].quantity })),
      );
      // updatedAt is the product's change-feed position (catalog.table.ts): stamp it after the stock
      // call, so it is close to the moment the product is written, whatever that call took.
      product.createdAt = product.updatedAt = new Date().toISOString();
      await writeItems(this.db, [...variants.map(variantItem), productItem(product)]);
      await writeItems(this.db, listingItems(product));
    } catch (error) {
      await Promise.allSettled([
        deleteItems(this.db, [
          key.listing(null, productId),
          key.listing(product.categorySlug, productId),
          key.product(productId),
          ...variants.map((v) => key.variant(v.id)),
        ]),
        release(),
      ]);
      throw error;
    }

    // 4-5. Counts, then caches.
    await adjustCounts(this.db, new Map([[product.categorySlug, 1]]), 1);
    await this.catalog.invalidate({
      products: [productId],
      slugs: [product.slug],
      variants: variants.map((v) => v.id),
      categories: [product.categorySlug],
      productCount: true,
    });
    ctx.loaders.product.clear(productId).prime(productId, product);
    for (const v of variants) ctx.loaders.variant.clear(v.id).prime(v.id, v);
    ctx.loaders.category.clear(product.categorySlug);
    return { product, userErrors: [] };
  }

  /**
   * Changes a product's title, description, brand or category. The product item is updated with
   * optimistic locking on `updatedAt`; its listing entries follow: a new title re-sorts it, a new
   * category moves its entry and both categories' counts.
   */
  async productUpdate(
    ctx: RequestContext<CatalogLoaders>,
    id: string,
    changes: ProductChanges,
  ): Promise<ProductResult> {
    requireAdmin(ctx.identity.viewer);
    const { changes: checked, problems } = checkProductChanges(changes);
    const userErrors: UserError<AdminErrorCode>[] = [...problems];
    if (checked.categorySlug && !(await ctx.loaders.category.load(checked.categorySlug))) {
      userErrors.push({
        code: 'INVALID_INPUT',
        field: ['input', 'categorySlug'],
        message: `There is no category "${checked.categorySlug}".`,
      });
    }
    if (userErrors.length > 0) return failed(...userErrors);

    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await getProductForUpdate(this.db, id);
      if (!before) {
        return failed({ code: 'NOT_FOUND', field: ['id'], message: 'There is no such product.' });
      }
      const attributes: ProductAttributes = {};
      if (checked.title !== undefined && checked.title !== before.title)
        attributes.title = checked.title;
      if (checked.description !== undefined && checked.description !== before.description)
        attributes.description = checked.description;
      if (checked.brand !== undefined && checked.brand !== before.brand)
        attributes.brand = checked.brand;
      if (checked.categorySlug !== undefined && checked.categorySlug !== before.categorySlug)
        attributes.categorySlug = checked.categorySlug;
      if (Object.keys(attributes).length === 0) return { product: before, userErrors: [] };

      const updated = await updateProductAttributes(
        this.db,
        id,
        attributes,
        after(before.updatedAt),
        before.updatedAt,
      );
      if (!updated) continue; // changed by someone else since it was read: read it again
      await this.moveListings(before, updated);
      ctx.loaders.product.clear(id).prime(id, updated);
      ctx.loaders.category.clearAll();
      return { product: updated, userErrors: [] };
    }
    throw new Error(`product ${id} kept changing during an update`);
  }

  /** Brings the listing entries and counts in line with an updated product. */
  private async moveListings(before: Product, updated: Product): Promise<void> {
    const moved = before.categorySlug !== updated.categorySlug;
    if (moved || before.title !== updated.title) {
      await writeItems(this.db, listingItems(updated));
    }
    if (moved) {
      await deleteItems(this.db, [key.listing(before.categorySlug, updated.id)]);
      await adjustCounts(
        this.db,
        new Map([
          [before.categorySlug, -1],
          [updated.categorySlug, 1],
        ]),
        0,
      );
    }
    await this.catalog.invalidate({
      products: [updated.id],
      categories: moved ? [before.categorySlug, updated.categorySlug] : [],
    });
  }
}
