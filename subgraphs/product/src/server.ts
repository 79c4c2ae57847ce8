/** Builds the product subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GraphQLSchema } from 'graphql';
import type { SharedCache } from '../../../common/cache';
import { dynamoReachable } from '../../../common/dynamo';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import type { RequestIdentity } from '../../../common/identity';
import { ProductAdminService } from './product-admin.service';
import { CatalogFeedService } from './catalog-feed.service';
import { ReviewService } from './review.service';
import type { ProductSubgraphContext } from './schema/resolvers';
import { referenceResolvers, resolvers } from './schema/resolvers';
import { CatalogService } from './catalog.service';
import type { StockWriter } from './order.client';

export interface ProductDependencies {
  dynamo: DynamoDBClient;
  table: string;
  cache: SharedCache;
  cacheTtlSeconds: number;
  assetBaseUrl: string;
  /**
   * Where new products' initial stock goes (the order service; see order.client.ts). Without it the
   * catalog is read-only for products: productCreate fails, everything else works.
   */
  stock?: StockWriter;
}

export interface ProductSubgraph {
  schema: GraphQLSchema;
  catalog: CatalogService;
  context: (identity: RequestIdentity) => Promise<ProductSubgraphContext>;
  checks: Check[];
}

export async function buildProductSchema(): Promise<GraphQLSchema> {
  return await buildFederatedSchema({ resolvers }, referenceResolvers);
}

export async function createProductSubgraph(deps: ProductDependencies): Promise<ProductSubgraph> {
  const table = { client: deps.dynamo, name: deps.table };
  const catalog = new CatalogService(table, deps.cache.namespace('catalog:v1:'), {
    ttlSeconds: deps.cacheTtlSeconds,
    missTtlSeconds: Math.min(30, deps.cacheTtlSeconds),
    assetBaseUrl: deps.assetBaseUrl,
  });
  const productAdmin = new ProductAdminService(
    table,
    catalog,
    deps.stock ?? null,
    deps.assetBaseUrl,
  );
  const reviewWriter = new ReviewService(table, catalog);
  const catalogFeed = new CatalogFeedService(table);
  return {
    schema: await buildProductSchema(),
    catalog,
    context: async (identity) => ({
      ...catalog.createContext(),
      catalog,
      productAdmin,
      catalogFeed,
      reviewWriter,
      viewer: identity.viewer,
      clientIp: identity.clientIp,
    }),
    checks: [
      { name: 'dynamodb', probe: () => dynamoReachable(deps.dynamo, deps.table) },
      { name: 'cache', probe: () => deps.cache.ping() },
    ],
  };
}
