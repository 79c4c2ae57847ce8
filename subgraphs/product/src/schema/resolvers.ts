/** Thin resolvers: each turns its arguments into one service call. */
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../../../common/context';
import { Money } from '../../../../common/money';
import type { Product as ProductRecord, Variant as VariantRecord } from '../domain';
import type { ProductAdminService } from '../product-admin.service';
import type { CatalogFeedService } from '../catalog-feed.service';
import type { MediaService } from '../media.service';
import type { ReviewService } from '../review.service';
import type { CatalogService } from '../catalog.service';
import type { CatalogLoaders } from '../loaders';
import {
  CatalogChangePage,
  Category,
  Image,
  PriceRange,
  Product,
  ProductConnection,
  ProductDocument,
  ProductFilter,
  ProductOption,
  ProductSort,
  ProductVariant,
  RatingSummary,
  ReviewConnection,
  ProductCreateInput,
  ProductCreatePayload,
  ProductUpdateInput,
  ProductUpdatePayload,
  ReviewAddInput,
  ReviewAddPayload,
} from './types';
import { MediaMutationResolver } from './media.resolvers';

/** What the product subgraph's resolvers call. */
export interface ProductServices {
  catalog: CatalogService;
  productAdmin: ProductAdminService;
  catalogFeed: CatalogFeedService;
  reviews: ReviewService;
  media: MediaService;
}

@Resolver()
export class CatalogQueryResolver {
  constructor(private readonly services: ProductServices) {}

  @Query(() => Product, {
    nullable: true,
    description: 'One product by `id` or by `slug` (give exactly one); null when there is none.',
  })
  product(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('id', () => ID, { nullable: true, description: "The product's id." }) id?: string,
    @Arg('slug', () => String, { nullable: true, description: "The product's slug." })
    slug?: string,
  ) {
    return this.services.catalog.product(ctx, { id, slug });
  }

  @Query(() => ProductConnection, {
    description: 'Browse the catalog, optionally one category, in the chosen order.',
  })
  products(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('first', () => Int, { description: 'Page size, 0 to 100.' }) first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Cursor to continue after (`pageInfo.endCursor`).',
    })
    after: string | undefined,
    @Arg('filter', () => ProductFilter, { nullable: true, description: 'Narrows the listing.' })
    filter: ProductFilter | undefined,
    @Arg('sort', () => ProductSort, {
      nullable: true,
      defaultValue: ProductSort.FEATURED,
      description: 'Order of the listing; FEATURED when omitted.',
    })
    sort: ProductSort,
  ) {
    return this.services.catalog.products(ctx, {
      first,
      after,
      categorySlug: filter?.categorySlug,
      sort,
    });
  }

  @Query(() => [Category], { description: 'Every category, in display order.' })
  categories(@Ctx() ctx: RequestContext<CatalogLoaders>) {
    return this.services.catalog.categories(ctx);
  }

  @Query(() => Category, {
    nullable: true,
    description: 'One category by slug; null when there is none.',
  })
  category(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('slug', () => String, { description: "The category's slug." }) slug: string,
  ) {
    return this.services.catalog.category(ctx, slug);
  }

  @Query(() => ProductVariant, {
    nullable: true,
    description: 'One variant by id; null when there is none.',
  })
  productVariant(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('id', () => ID, { description: "The variant's id." }) id: string,
  ) {
    return this.services.catalog.variant(ctx, id);
  }
}

@Resolver()
export class CatalogFeedResolver {
  constructor(private readonly services: ProductServices) {}

  /** Internal: the search service reads the catalog's changes. Hidden by @inaccessible. */
  @Directive('@federation__inaccessible')
  @Query(() => CatalogChangePage, {
    description:
      'Internal (search service and admins): products created or changed after a feed position, oldest change first. Reading from null replays the whole catalog.',
  })
  catalogChanges(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    // Declared in reverse: the generated SDL lists arguments last to first.
    @Arg('first', () => Int, { description: 'Page size, 1 to 500.' }) first: number,
    @Arg('after', () => String, {
      nullable: true,
      description:
        'A position the feed returned (`endPosition`), to read the changes after it; or an ISO timestamp in UTC, to read the changes at or after that instant; null to start from the beginning.',
    })
    after: string | undefined,
  ) {
    return this.services.catalogFeed.catalogChanges(ctx, { after, first });
  }
}

@Resolver()
export class CatalogMutationResolver {
  constructor(private readonly services: ProductServices) {}

  @Mutation(() => ProductCreatePayload, {
    description:
      'Adds a product with its variants, and gives the variants their initial stock. Admins only.',
  })
  productCreate(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('input', () => ProductCreateInput, { description: 'The product and its variants.' })
    input: ProductCreateInput,
  ) {
    return this.services.productAdmin.productCreate(ctx, input);
  }

  @Mutation(() => ProductUpdatePayload, {
    description: "Changes a product's title, description, brand or category. Admins only.",
  })
  productUpdate(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('id', () => ID, { description: "The product's id." }) id: string,
    @Arg('input', () => ProductUpdateInput, { description: 'What to change.' })
    input: ProductUpdateInput,
  ) {
    return this.services.productAdmin.productUpdate(ctx, id, input);
  }

  @Mutation(() => ReviewAddPayload, {
    description: "Adds the signed-in shopper's review of a product; one review per product.",
  })
  reviewAdd(
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('input', () => ReviewAddInput, { description: 'The review.' }) input: ReviewAddInput,
  ) {
    return this.services.reviews.reviewAdd(ctx, input);
  }
}

@Resolver(() => Product)
export class ProductFieldsResolver {
  constructor(private readonly services: ProductServices) {}

  @FieldResolver(() => Category, { description: 'The category the product is listed in.' })
  category(@Root() product: ProductRecord, @Ctx() ctx: RequestContext<CatalogLoaders>) {
    return this.services.catalog.category(ctx, product.categorySlug);
  }

  @FieldResolver(() => Image, {
    nullable: true,
    description: 'The main image; null when there is none.',
  })
  featuredImage(@Root() product: ProductRecord) {
    return this.services.catalog.featuredImage(product);
  }

  @FieldResolver(() => [Image], { description: 'Every image, the featured one first.' })
  images(@Root() product: ProductRecord) {
    return this.services.catalog.images(product);
  }

  @FieldResolver(() => [ProductDocument], { description: 'Manuals, data sheets and other files.' })
  documents(@Root() product: ProductRecord) {
    return this.services.catalog.documents(product);
  }

  @FieldResolver(() => [ProductOption], { description: 'The options the variants differ by.' })
  options(@Root() product: ProductRecord) {
    return product.options;
  }

  @FieldResolver(() => [ProductVariant], {
    description: 'The purchasable variants, in display order.',
  })
  variants(@Root() product: ProductRecord, @Ctx() ctx: RequestContext<CatalogLoaders>) {
    return this.services.catalog.variants(ctx, product);
  }

  @FieldResolver(() => PriceRange, { description: 'Lowest and highest variant price.' })
  priceRange(@Root() product: ProductRecord) {
    return this.services.catalog.priceRange(product);
  }

  @FieldResolver(() => RatingSummary, { description: 'Average rating and number of reviews.' })
  rating(@Root() product: ProductRecord) {
    return this.services.catalog.rating(product);
  }

  @FieldResolver(() => ReviewConnection, { description: 'Reviews, newest first.' })
  reviews(
    @Root() product: ProductRecord,
    @Ctx() ctx: RequestContext<CatalogLoaders>,
    @Arg('first', () => Int, { defaultValue: 10, description: 'Page size, 0 to 100.' })
    first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' })
    after: string | undefined,
  ) {
    return this.services.catalog.reviews(ctx, product, { first, after });
  }
}

@Resolver(() => ProductVariant)
export class VariantFieldsResolver {
  constructor(private readonly services: ProductServices) {}

  @FieldResolver(() => Money, { description: 'Price of one unit.' })
  price(@Root() variant: VariantRecord) {
    return this.services.catalog.price(variant);
  }

  @FieldResolver(() => Product, { description: 'The product this is a variant of.' })
  product(@Root() variant: VariantRecord, @Ctx() ctx: RequestContext<CatalogLoaders>) {
    return this.services.catalog.productOfVariant(ctx, variant);
  }
}

/** Federation entry points: other subgraphs reference products and variants by id. */
export const referenceResolvers = ({ catalog }: ProductServices) => ({
  Product: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext<CatalogLoaders>) =>
      catalog.product(ctx, { id: ref.id }),
  },
  ProductVariant: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext<CatalogLoaders>) =>
      catalog.variant(ctx, ref.id),
  },
});

export const resolvers = [
  CatalogQueryResolver,
  CatalogFeedResolver,
  CatalogMutationResolver,
  MediaMutationResolver,
  ProductFieldsResolver,
  VariantFieldsResolver,
] as const;
