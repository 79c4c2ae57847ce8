/** Builds the cart subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GraphQLSchema } from 'graphql';
import { dynamoReachable } from '../../../common/dynamo';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import type { RequestIdentity } from '../../../common/identity';
import { CartService, type CartSettings } from './cart.service';
import type { Catalog } from './product.client';
import { createCartLoaders } from './loaders';
import { referenceResolvers, resolvers, type CartSubgraphContext } from './schema/resolvers';
import { ProductVariant, User } from './schema/types';

export interface CartDependencies {
  dynamo: DynamoDBClient;
  /** The cart table (CART_TABLE). */
  table: string;
  /** Prices from the product service, stock from the order service (see product.client.ts). */
  catalog: Catalog;
  settings: CartSettings;
  /** The clock; tests may move it. */
  now?: () => Date;
}

export interface CartSubgraph {
  schema: GraphQLSchema;
  carts: CartService;
  context: (identity: RequestIdentity) => Promise<CartSubgraphContext>;
  checks: Check[];
}

export async function buildCartSchema(): Promise<GraphQLSchema> {
  return await buildFederatedSchema(
    { resolvers, orphanedTypes: [ProductVariant, User] },
    referenceResolvers,
  );
}

export async function createCartSubgraph(deps: CartDependencies): Promise<CartSubgraph> {
  const table = { client: deps.dynamo, name: deps.table };
  const now = deps.now ?? (() => new Date());
  const carts = new CartService(table, deps.settings, now);
  return {
    schema: await buildCartSchema(),
    carts,
    context: async (identity) => ({
      viewer: identity.viewer,
      loaders: createCartLoaders(table, deps.catalog, now),
      carts,
    }),
    checks: [{ name: 'dynamodb', probe: () => dynamoReachable(deps.dynamo, deps.table) }],
  };
}
