/**
 * The store's cache hints (Apollo cache control), as type-graphql decorators. Each subgraph puts
 * them on its types and root fields (see its README, "Cache hints"); Apollo Server's cache
 * control plugin combines what a request resolved into the response's `Cache-Control`, and the
 * gateway combines the subgraphs' headers into the policy of the whole response.
 *
 * Without a hint, a root field or an object-typed field is not cacheable (max-age 0), so data
 * nobody thought about is never cached.
 */
import { maybeCacheControlFromInfo } from '@apollo/cache-control-types';
import type { GraphQLResolveInfo } from 'graphql';
import { Directive } from 'type-graphql';

/** The catalog, categories, reviews, search and recommendations for anonymous callers. */
export const CATALOG_MAX_AGE = 60;
/** What can be sold right now (stock). */
export const STOCK_MAX_AGE = 5;

/** Anyone may share this for `maxAge` seconds. */
export const publicFor = (maxAge: number) =>
  Directive(`@cacheControl(maxAge: ${maxAge}, scope: PUBLIC)`);

/** A value type (money, a page's position, an image): as cacheable as the field holding it. */
export const inheritsHint = () => Directive('@cacheControl(inheritMaxAge: true)');

/** The viewer's own data (account, cart, orders): never shared, never stored. */
export const viewerOnly = () => Directive('@cacheControl(maxAge: 0, scope: PRIVATE)');

/** A field whose answer depends on who asks (personalised for a signed-in shopper). */
export function personalised(info: GraphQLResolveInfo): void {
  maybeCacheControlFromInfo(info)?.setCacheHint({ maxAge: 0, scope: 'PRIVATE' });
}
