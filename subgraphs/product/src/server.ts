/** Builds the product subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GraphQLSchema } from 'graphql';
import type { SharedCache } from '../../../common/cache';
import { dynamoReachable } from '../../../common/dynamo';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import { ProductAdminService } from './product-admin.service';
import { CatalogFeedService } from './catalog-feed.service';
import { ReviewService } from './review.service';
import { CatalogService } from './catalog.service';
import type { CatalogLoaders } from './loaders';
import { referenceResolvers, resolvers, type ProductServices } from './schema/resolvers';
import type { StockWriter } from './order.client';
import { MediaService, type MediaSettings } from './media.service';

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
  /**
   * The media bucket (S3) behind ASSET_BASE_URL, for uploads. Without it mediaUploadCreate and
   * productMediaAttach fail; everything else works.
   */
  media?: MediaSettings;
}

export interface ProductSubgraph {
  schema: GraphQLSchema;
  catalog: CatalogService;
  /** A fresh set of loaders, for one request. */
  loaders: () => CatalogLoaders;
  checks: Check[];
}

/** The schema; without services it can be printed but not executed. */
export async function buildProductSchema(services?: ProductServices): Promise<GraphQLSchema> {
  return await buildFederatedSchema({ resolvers, services, references: referenceResolvers });
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
  const services: ProductServices = {
    catalog,
    productAdmin,
    catalogFeed: new CatalogFeedService(table),
    reviews: new ReviewService(table, catalog),
    media: new MediaService(table, catalog, deps.media ?? null),
  };
  return {
    schema: await buildProductSchema(services),
    catalog,
    loaders: () => catalog.createLoaders(),
    checks: [
      { name: 'dynamodb', probe: () => dynamoReachable(deps.dynamo, deps.table) },
      { name: 'cache', probe: () => deps.cache.ping() },
    ],
  };
}
