/** Builds the order subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Pool } from 'pg';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check, Route } from '../../../common/http';
import { projectPath } from '../../../common/paths';
import { migrate, postgresReachable } from '../../../common/postgres';
import type { SubgraphEndpoint } from '../../../common/subgraph-client';
import { cartServiceSource } from './cart.client';
import { CheckoutService, type CheckoutDependencies } from './checkout.service';
import { InventoryService } from './inventory.service';
import { createOrderLoaders, type OrderLoaders } from './loaders';
import { OrderService } from './order.service';
import { productServicePrices } from './product.client';
import { referenceResolvers, resolvers, type OrderServices } from './schema/resolvers';
import { Product, ProductVariant, User } from './schema/types';
import { userServiceAccounts } from './user.client';
import { webhookRoutes, type WebhookSettings } from './webhook.server';

/** Where the order service's SQL migrations live (also from the compiled output). */
export const migrationsDirectory = projectPath('subgraphs', 'order', 'migrations');

export function migrateOrderDatabase(pool: Pool): Promise<string[]> {
  return migrate(pool, 'orders', migrationsDirectory);
}

export interface OrderSubgraph {
  schema: GraphQLSchema;
  /** A fresh set of loaders, for one request. */
  loaders: () => OrderLoaders;
  checks: Check[];
  /** The webhook endpoints (webhook.server.ts). */
  routes: Route[];
}

export interface OrderDependencies {
  pool: Pool;
  /**
   * The cart, price and account sources, the payment provider and the pricing rules that
   * checkout, cancellations and refunds need (see checkout.service.ts and the clients). Without
   * them the service keeps serving stock and reading orders; checkout, orderCancel and
   * orderRefund fail.
   */
  commerce?: CheckoutDependencies;
  /** The webhooks' secrets; an endpoint without one is off. */
  webhooks?: Omit<WebhookSettings, 'pool'>;
}

/** The schema; without services it can be printed but not executed. */
export async function buildOrderSchema(services?: OrderServices): Promise<GraphQLSchema> {
  return await buildFederatedSchema({
    resolvers,
    orphanedTypes: [Product, ProductVariant, User],
    services,
    references: referenceResolvers,
  });
}

export async function createOrderSubgraph(deps: OrderDependencies): Promise<OrderSubgraph> {
  const services: OrderServices = {
    inventory: new InventoryService(deps.pool),
    orders: new OrderService(deps.pool, deps.commerce?.payments ?? null),
    checkout: new CheckoutService(deps.pool, deps.commerce ?? null),
  };
  return {
    schema: await buildOrderSchema(services),
    loaders: () => createOrderLoaders(deps.pool),
    checks: [{ name: 'postgres', probe: () => postgresReachable(deps.pool) }],
    routes: deps.webhooks ? [webhookRoutes({ ...deps.webhooks, pool: deps.pool })] : [],
  };
}

/** What checkout reads from the cart, product and user subgraphs, over their endpoints. */
export function subgraphSources(endpoints: {
  cart: SubgraphEndpoint;
  product: SubgraphEndpoint;
  user: SubgraphEndpoint;
}): Pick<CheckoutDependencies, 'cart' | 'prices' | 'accounts'> {
  return {
    cart: cartServiceSource(endpoints.cart),
    prices: productServicePrices(endpoints.product),
    accounts: userServiceAccounts(endpoints.user),
  };
}
