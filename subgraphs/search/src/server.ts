/** Builds the search subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Pool } from 'pg';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import type { Logger } from '../../../common/logger';
import { projectPath } from '../../../common/paths';
import { createPool, migrate, postgresReachable } from '../../../common/postgres';
import { CatalogIndexer, type IndexerOptions } from './indexer';
import { createSearchLoaders, type SearchLoaders } from './loaders';
import { RecommendationService } from './recommendation.service';
import { referenceResolvers, resolvers, type SearchServices } from './schema/resolvers';
import { SearchService } from './search.service';
import type { StockSource } from './order.client';
import type { CatalogFeed } from './product.client';

/** Where the search service's SQL migrations live (also from the compiled output). */
const migrationsDirectory = projectPath('subgraphs', 'search', 'migrations');

/**
 * A pool whose sessions resolve unqualified names in the index's schema first (then `public`,
 * where pg_trgm and fuzzystrmatch live), so one database can hold several indexes.
 */
export function createSearchPool(url: string, schema: string, max = 10): Pool {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return createPool(url, { max, options: `-c search_path=${schema},public` });
}

export function migrateSearchDatabase(pool: Pool, schema = 'search'): Promise<string[]> {
  return migrate(pool, schema, migrationsDirectory);
}

export interface SearchDependencies {
  /** From createSearchPool. */
  pool: Pool;
  feed: CatalogFeed;
  stock: StockSource;
  logger: Logger;
  indexer: IndexerOptions;
  currencyCode: string;
}

export interface SearchSubgraph {
  schema: GraphQLSchema;
  indexer: CatalogIndexer;
  /** A fresh set of loaders, for one request. */
  loaders: () => SearchLoaders;
  checks: Check[];
}

/** The schema; without services it can be printed but not executed. */
export async function buildSearchSchema(services?: SearchServices): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers, services, references: referenceResolvers });
}

export async function createSearchSubgraph(deps: SearchDependencies): Promise<SearchSubgraph> {
  const indexer = new CatalogIndexer(deps.pool, deps.feed, deps.stock, deps.logger, deps.indexer);
  const search = new SearchService(deps.pool, deps.currencyCode);
  const recommendations = new RecommendationService(deps.pool, indexer);
  return {
    schema: await buildSearchSchema({ search, recommendations }),
    indexer,
    loaders: () => createSearchLoaders(deps.pool),
    checks: [{ name: 'postgres', probe: () => postgresReachable(deps.pool) }],
  };
}
