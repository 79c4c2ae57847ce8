/** Builds the cart subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GraphQLSchema } from 'graphql';
import { dynamoReachable } from '../../../common/dynamo';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import { CartService, type CartSettings } from './cart.service';
import type { Catalog } from './product.client';
import { createCartLoaders, type CartLoaders } from './loaders';
import { referenceResolvers, resolvers, type CartServices } from './schema/resolvers';
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
  /** A fresh set of loaders, for one request. */
  loaders: () => CartLoaders;
  checks: Check[];
}

/** The schema; without services it can be printed but not executed. */
export async function buildCartSchema(services?: CartServices): Promise<GraphQLSchema> {
  return await buildFederatedSchema({
    resolvers,
    orphanedTypes: [ProductVariant, User],
    services,
    references: referenceResolvers,
  });
}

export async function createCartSubgraph(deps: CartDependencies): Promise<CartSubgraph> {
  const table = { client: deps.dynamo, name: deps.table };
  const now = deps.now ?? (() => new Date());
  const carts = new CartService(table, deps.settings, now);
  return {
    schema: await buildCartSchema({ carts }),
    carts,
    loaders: () => createCartLoaders(table, deps.catalog, now),
    checks: [{ name: 'dynamodb', probe: () => dynamoReachable(deps.dynamo, deps.table) }],
  };
}
