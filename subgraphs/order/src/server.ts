/** Builds the order subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Pool } from 'pg';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import type { RequestIdentity } from '../../../common/identity';
import { projectPath } from '../../../common/paths';
import { migrate, postgresReachable } from '../../../common/postgres';
import { InventoryService } from './inventory.service';
import { createOrderLoaders } from './loaders';
import { referenceResolvers, resolvers, type OrderSubgraphContext } from './schema/resolvers';
import { Product, ProductVariant } from './schema/types';

/** Where the order service's SQL migrations live (also from the compiled output). */
export const migrationsDirectory = projectPath('subgraphs', 'order', 'migrations');

export function migrateOrderDatabase(pool: Pool): Promise<string[]> {
  return migrate(pool, 'orders', migrationsDirectory);
}

export interface OrderSubgraph {
  schema: GraphQLSchema;
  context: (identity: RequestIdentity) => Promise<OrderSubgraphContext>;
  checks: Check[];
}

export async function buildOrderSchema(): Promise<GraphQLSchema> {
  return await buildFederatedSchema(
    { resolvers, orphanedTypes: [Product, ProductVariant] },
    referenceResolvers,
  );
}

export async function createOrderSubgraph(deps: { pool: Pool }): Promise<OrderSubgraph> {
  const inventory = new InventoryService(deps.pool);
  return {
    schema: await buildOrderSchema(),
    context: async (identity) => ({
      loaders: createOrderLoaders(deps.pool),
      inventory,
      viewer: identity.viewer,
    }),
    checks: [{ name: 'postgres', probe: () => postgresReachable(deps.pool) }],
  };
}
