/** Builds the user subgraph from its dependencies; main.ts wires them from configuration. */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { Pool } from 'pg';
import type { SharedCache } from '../../../common/cache';
import { buildFederatedSchema } from '../../../common/federation';
import type { Check } from '../../../common/http';
import { projectPath } from '../../../common/paths';
import { migrate, postgresReachable } from '../../../common/postgres';
import { AccountService, type AccountSettings } from './account.service';
import type { DomainEventPublisher } from '../../../common/domain-events';
import type { Logger } from '../../../common/logger';
import type { CognitoAccounts } from './cognito';
import { createUserLoaders, type UserLoaders } from './loaders';
import { SignInLimiter, type SignInLimits } from './rate-limit';
import { referenceResolvers, resolvers, type UserServices } from './schema/resolvers';
import { UserService } from './user.service';

/** Where the user service's SQL migrations live (also from the compiled output). */
export const migrationsDirectory = projectPath('subgraphs', 'user', 'migrations');

export function migrateUserDatabase(pool: Pool): Promise<string[]> {
  return migrate(pool, 'users', migrationsDirectory);
}

export interface UserSubgraph {
  schema: GraphQLSchema;
  /** A fresh set of loaders, for one request. */
  loaders: () => UserLoaders;
  checks: Check[];
}

export type UserSubgraphSettings = AccountSettings & {
  signInLimit: SignInLimits['perEmail'];
  signInLimitPerIp: SignInLimits['perIp'];
  signInWindowSeconds: SignInLimits['windowSeconds'];
};

export interface UserDependencies {
  pool: Pool;
  /** The shared cache; the service keeps its keys under `user:`. */
  cache: SharedCache;
  accounts: CognitoAccounts;
  settings: UserSubgraphSettings;
  /** The store's SNS topic, for `shopper.signed_up`. */
  topic?: DomainEventPublisher;
  logger?: Logger;
}

/** The schema; without services it can be printed but not executed. */
export async function buildUserSchema(services?: UserServices): Promise<GraphQLSchema> {
  return await buildFederatedSchema({ resolvers, services, references: referenceResolvers });
}

export async function createUserSubgraph(deps: UserDependencies): Promise<UserSubgraph> {
  const limiter = new SignInLimiter(deps.cache.namespace('user:signin:'), {
    perEmail: deps.settings.signInLimit,
    perIp: deps.settings.signInLimitPerIp,
    windowSeconds: deps.settings.signInWindowSeconds,
  });
  const accounts = new AccountService(deps.accounts, limiter, {
    autoConfirm: deps.settings.autoConfirm,
    topic: deps.topic,
    logger: deps.logger,
  });
  const users = new UserService(deps.pool, deps.accounts);
  return {
    schema: await buildUserSchema({ accounts, users }),
    loaders: () => createUserLoaders(deps.pool),
    checks: [{ name: 'postgres', probe: () => postgresReachable(deps.pool) }],
  };
}
