/** Builds the product subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GraphQLSchema } from 'graphql';
import type { SharedCache } from '../../../common/cache';
import { dynamoReachable } from '../../../common/dynamo';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import type { RequestIdentity } from '../../../common/identity';
import type { ProductSubgraphContext } from './schema/resolvers';
import { referenceResolvers, resolvers } from './schema/resolvers';
import { CatalogService } from './service';

export interface ProductDependencies {
  dynamo: DynamoDBClient;
  table: string;
  cache: SharedCache;
  cacheTtlSeconds: number;
  assetBaseUrl: string;
}

export interface ProductSubgraph {
  schema: GraphQLSchema;
  catalog: CatalogService;
  context: (identity: RequestIdentity) => Promise<ProductSubgraphContext>;
  checks: Check[];
}

export function buildProductSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers }, referenceResolvers);
}

export async function createProductSubgraph(deps: ProductDependencies): Promise<ProductSubgraph> {
  const catalog = new CatalogService(
    { client: deps.dynamo, name: deps.table },
    deps.cache.namespace('catalog:v1:'),
    {
      ttlSeconds: deps.cacheTtlSeconds,
      missTtlSeconds: Math.min(30, deps.cacheTtlSeconds),
      assetBaseUrl: deps.assetBaseUrl,
    },
  );
  return {
    schema: await buildProductSchema(),
    catalog,
    context: async (identity) => ({
      ...catalog.createContext(),
      catalog,
      viewer: identity.viewer,
      clientIp: identity.clientIp,
    }),
    checks: [
      { name: 'dynamodb', probe: () => dynamoReachable(deps.dynamo, deps.table) },
      { name: 'cache', probe: () => deps.cache.ping() },
    ],
  };
}
