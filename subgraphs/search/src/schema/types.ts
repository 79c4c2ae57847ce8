/** The search subgraph's types: search results, facets, suggestions, and the Product it extends. */
import { CATALOG_MAX_AGE, inheritsHint, publicFor } from '../../../../common/cache-hints';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../../../common/pagination';
import type { SearchSortKey } from '../domain';

@Directive('@key(fields: "id")')
@publicFor(CATALOG_MAX_AGE)
@ObjectType({ description: 'A product of the catalog. Shoppers buy one of its variants.' })
export class Product {
  @Field(() => ID, { description: 'Unique, stable identifier.' })
  id!: string;
}

export const SearchSort: Record<SearchSortKey, SearchSortKey> = {
  RELEVANCE: 'RELEVANCE',
  PRICE_ASC: 'PRICE_ASC',
  PRICE_DESC: 'PRICE_DESC',
  NEWEST: 'NEWEST',
};

registerEnumType(SearchSort, {
  name: 'SearchSort',
  description: 'The order of search results.',
  valuesConfig: {
    RELEVANCE: {
      description:
        'Best match first: words in the title count most, then brand and category, then the description. Signed-in shoppers see what they usually buy a little higher.',
    },
    PRICE_ASC: { description: 'Lowest price first (the cheapest variant of each product).' },
    PRICE_DESC: { description: 'Highest price first (the cheapest variant of each product).' },
    NEWEST: { description: 'Most recently added to the catalog first.' },
  },
});

@InputType({
  description: 'Narrows search results. Filters combine with AND; values of one filter with OR.',
})
export class SearchFilter {
  @Field(() => [String], {
    nullable: true,
    description: 'Only products in one of these categories (slugs, as in the category facet).',
  })
  categorySlugs?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Only products of one of these brands (as in the brand facet).',
  })
  brands?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Lowest price, inclusive, as a decimal string ("25.00"); compared with the cheapest variant.',
  })
  priceMin?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Highest price, inclusive, as a decimal string ("49.99"); compared with the cheapest variant.',
  })
  priceMax?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True: only products that can be bought now. False: only those sold out.',
  })
  inStock?: boolean | null;
}

@inheritsHint()
@ObjectType({ description: 'One value of a facet and how many results have it.' })
export class SearchFacetValue {
  @Field({
    description:
      'What to filter by: a category slug, a brand, or a price range "min-max" in decimals ("25.00-49.99"; "1000.00-" has no upper bound) for priceMin and priceMax.',
  })
  value!: string;

  @Field({ description: 'What to show the shopper ("Headphones", "$25.00 – $49.99").' })
  label!: string;

  @Field(() => Int, {
    description:
      'Results with this value under every other active filter: what choosing it would give.',
  })
  count!: number;
}

@inheritsHint()
@ObjectType({ description: 'A way to narrow the results, with counts per value.' })
export class SearchFacet {
  @Field({ description: '"category", "brand" or "price".' })
  name!: string;

  @Field(() => [SearchFacetValue], {
    description:
      'Values with at least one result; categories and brands by count, prices in order.',
  })
  values!: SearchFacetValue[];
}

@inheritsHint()
@ObjectType({ description: 'A search result and its cursor.' })
export class SearchResultEdge {
  @Field({ description: 'Pass as `after` to get the results after this one.' })
  cursor!: string;

  @Field(() => Product, { description: 'The product found.' })
  node!: Product;
}

@inheritsHint()
@ObjectType({ description: 'A page of search results, with facets and the query actually run.' })
export class SearchResultConnection {
  @Field(() => [SearchResultEdge], { description: 'The results of this page, in order.' })
  edges!: SearchResultEdge[];

  @Field(() => [Product], { description: 'The products of this page (the nodes of the edges).' })
  nodes!: Product[];

  @Field(() => PageInfo, { description: 'Where this page sits in the results.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Results matching the query and every filter.' })
  totalCount!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'Set when nothing matched the query as typed and these results are for a corrected spelling ("wireless headphones" for "wirless hedphones"); null otherwise.',
  })
  correctedQuery!: string | null;

  @Field(() => [SearchFacet], {
    description: 'Category, brand and price facets; each counts under the other active filters.',
  })
  facets!: SearchFacet[];
}

@inheritsHint()
@ObjectType({ description: 'A suggested completion of what the shopper is typing.' })
export class SearchQuerySuggestion {
  @Field({ description: 'The completed query; every suggestion finds at least one product.' })
  text!: string;
}

@inheritsHint()
@ObjectType({ description: 'Suggestions shown while the shopper types.' })
export class PredictiveSearchResult {
  @Field(() => [SearchQuerySuggestion], {
    description: 'Completions of the query, most common first.',
  })
  queries!: SearchQuerySuggestion[];

  @Field(() => [Product], { description: 'Best-matching products for what has been typed so far.' })
  products!: Product[];
}

// ---- internal: the order service reports orders and stock; hidden from the public API -------

@Directive('@federation__inaccessible')
@InputType({ description: 'Internal: one line of a placed order.' })
export class SearchOrderLineInput {
  @Field(() => ID, { description: 'The product bought.' })
  productId!: string;

  @Field(() => ID, { description: 'The variant bought.' })
  variantId!: string;

  @Field(() => Int, { description: 'Units bought.' })
  quantity!: number;
}

@Directive('@federation__inaccessible')
@InputType({ description: 'Internal: a placed order, as the order service reports it.' })
export class SearchOrderPlacedInput {
  @Field(() => ID, { description: 'The order.' })
  orderId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Cognito sub of the shopper; null for a guest order.',
  })
  ownerSub!: string | null;

  @Field({ description: 'When it was placed (ISO 8601).' })
  placedAt!: string;

  @Field(() => [SearchOrderLineInput], { description: 'What it bought.' })
  lines!: SearchOrderLineInput[];
}
