/** Thin resolvers: each turns its arguments into one service call. */
import { CATALOG_MAX_AGE, personalised, publicFor } from '../../../../common/cache-hints';
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Info,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { RequestContext } from '../../../../common/context';
import type { SearchLoaders } from '../loaders';
import type { RecommendationService } from '../recommendation.service';
import { shopperSub, type SearchService } from '../search.service';
import type { GraphQLResolveInfo } from 'graphql';
import {
  PredictiveSearchResult,
  Product,
  SearchFilter,
  SearchOrderPlacedInput,
  SearchResultConnection,
  SearchSort,
} from './types';
import type { SearchSortKey } from '../domain';

/** What the search subgraph's resolvers call. */
export interface SearchServices {
  search: SearchService;
  recommendations: RecommendationService;
}

@Resolver()
export class SearchQueryResolver {
  constructor(private readonly services: SearchServices) {}

  @publicFor(CATALOG_MAX_AGE)
  @Query(() => SearchResultConnection, {
    description:
      'Full-text search of the catalog with filters, sorts, facets and Relay pagination. Misspelt queries that match nothing as typed are corrected (see correctedQuery). An empty query browses the whole catalog.',
  })
  search(
    @Ctx() ctx: RequestContext<SearchLoaders>,
    @Arg('query', { description: 'What the shopper typed (at most 200 characters).' })
    query: string,
    @Arg('first', () => Int, { description: 'Page size, 0 to 100.' }) first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Cursor of the last result of the previous page (same query, filter and sort).',
    })
    after: string | null,
    @Arg('filter', () => SearchFilter, { nullable: true, description: 'Narrows the results.' })
    filter: SearchFilter | null,
    @Arg('sort', () => SearchSort, {
      nullable: true,
      description: 'Order of the results; RELEVANCE by default.',
    })
    sort: SearchSortKey | null,
    @Info() info: GraphQLResolveInfo,
  ) {
    // A signed-in shopper's results are ranked by what they bought.
    if (shopperSub(ctx.identity.viewer)) personalised(info);
    return this.services.search.search(ctx, { query, first, after, filter, sort });
  }

  @publicFor(CATALOG_MAX_AGE)
  @Query(() => PredictiveSearchResult, {
    description:
      'Query completions and matching products as the shopper types (the last word may be partial).',
  })
  predictiveSearch(
    @Ctx() ctx: RequestContext<SearchLoaders>,
    @Arg('query', { description: 'What has been typed so far.' }) query: string,
    @Arg('first', () => Int, {
      nullable: true,
      description: 'How many completions and how many products, 0 to 20; 5 by default.',
    })
    first: number | null,
  ) {
    return this.services.search.predictive(ctx, query, first);
  }

  @publicFor(CATALOG_MAX_AGE)
  @Query(() => [Product], {
    description:
      'Products for the caller: for a signed-in shopper, from what they bought (bought together, then best sellers of their categories); for anyone else, best sellers. Never anything out of stock or already bought.',
  })
  recommendedProducts(
    @Ctx() ctx: RequestContext<SearchLoaders>,
    @Arg('first', () => Int, { description: 'How many, 0 to 50.' }) first: number,
    @Info() info: GraphQLResolveInfo,
  ) {
    if (shopperSub(ctx.identity.viewer)) personalised(info);
    return this.services.recommendations.recommended(ctx, first);
  }
}

@Resolver(() => Product)
export class ProductRecommendationResolver {
  constructor(private readonly services: SearchServices) {}

  @publicFor(CATALOG_MAX_AGE)
  @FieldResolver(() => [Product], {
    description:
      'Products bought together with this one, most often first, then products of the same category near its price (same brand first). Never this product, never out of stock.',
  })
  similarProducts(
    @Root() product: Product,
    @Ctx() ctx: RequestContext<SearchLoaders>,
    @Arg('first', () => Int, { defaultValue: 8, description: 'How many, 0 to 50.' }) first: number,
  ) {
    return this.services.recommendations.similar(ctx, product.id, first);
  }
}

@Resolver()
export class SearchSignalResolver {
  constructor(private readonly services: SearchServices) {}

  /** Internal: the order service reports a placed order. Hidden by @inaccessible. */
  @Directive('@federation__inaccessible')
  @Mutation(() => Boolean, {
    description:
      'Internal (order service only): records a placed order for recommendations and refreshes the stock of its products. Idempotent per order.',
  })
  searchOrderPlaced(
    @Ctx() ctx: RequestContext<SearchLoaders>,
    @Arg('input', () => SearchOrderPlacedInput, { description: 'The order.' })
    input: SearchOrderPlacedInput,
  ) {
    return this.services.recommendations.orderPlaced(ctx, input);
  }

  /** Internal: the order service reports stock changes. Hidden by @inaccessible. */
  @Directive('@federation__inaccessible')
  @Mutation(() => Boolean, {
    description:
      'Internal (order service only): the stock of these products changed; the index re-reads it. Idempotent.',
  })
  searchStockChanged(
    @Ctx() ctx: RequestContext<SearchLoaders>,
    @Arg('productIds', () => [ID], { description: 'The products.' }) productIds: string[],
  ) {
    return this.services.recommendations.stockChanged(ctx, productIds);
  }
}

export const referenceResolvers = () => ({
  Product: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  },
});

export const resolvers = [
  SearchQueryResolver,
  ProductRecommendationResolver,
  SearchSignalResolver,
] as const;
