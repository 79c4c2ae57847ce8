/**
 * The public edge: Apollo Server over @apollo/gateway, planning queries against the checked-in
 * supergraph. It serves /graphql, /graphiql, /healthz and /readyz, and no business logic.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { maskError } from '../../common/errors';
import { startHttpServer, type Check, type RunningServer } from '../../common/http';
import type { Logger } from '../../common/logger';
import { projectPath } from '../../common/paths';
import type { GatewayConfig } from './config';
import { Authenticator } from './auth';
import { ResilientDataSource, type GatewayContext } from './datasource';
import { createGraphiqlHandler } from './graphiql';

export function readSupergraph(path?: string): string {
  return readFileSync(path ?? projectPath('schema', 'supergraph.graphql'), 'utf8');
}

/** A subgraph is ready when its own /readyz (which checks its stores) says so. */
function subgraphCheck(name: string, graphqlUrl: string): Check {
  const readyUrl = new URL('/readyz', graphqlUrl).toString();
  return {
    name: `${name} subgraph`,
    probe: async () => {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(1_500) });
      await response.arrayBuffer();
      return response.ok;
    },
  };
}

export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  options: { host?: string } = {},
): Promise<RunningServer & { authenticator: Authenticator }> {
  const dataSources: ResilientDataSource[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl: readSupergraph(config.supergraphPath),
    buildService: ({ name, url }) => {
      const target = config.subgraphUrls[name] ?? url;
      if (!target) throw new Error(`no URL configured for subgraph ${name}`);
      const source = new ResilientDataSource(
        name,
        target,
        config.subgraphTimeoutMs,
        config.identitySecret,
        logger,
      );
      dataSources.push(source);
      return source;
    },
  });

  const authenticator = new Authenticator(
    {
      userPoolId: config.userPoolId,
      clientId: config.clientId,
      jwksUrl: config.jwksUrl,
      trustedProxyHops: config.trustedProxyHops,
    },
    logger,
  );
  await authenticator.hydrate().catch((error: unknown) =>
    logger.warn('could not prefetch the Cognito signing keys; will retry on the first token', {
      error: error instanceof Error ? error.message : String(error),
    }),
  );

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    formatError: (formatted, error) =>
      maskError(
        formatted,
        (f, original) =>
          logger.error('unexpected error at the gateway', {
            path: f.path?.join('.'),
            error:
              original instanceof Error ? (original.stack ?? original.message) : String(original),
          }),
        error,
      ),
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const running = await startHttpServer({
    apollo,
    context: async (req) => ({ identity: await authenticator.authenticate(req) }),
    port: config.port,
    host: options.host,
    checks: Object.entries(config.subgraphUrls).map(([name, url]) => subgraphCheck(name, url)),
    routes: [createGraphiqlHandler({ endpoint: '/graphql', title: 'Storefront GraphQL' })],
  });
  logger.info('gateway listening', { url: running.url });
  return {
    ...running,
    authenticator,
    close: async () => {
      await running.close();
      for (const source of dataSources) source.close();
    },
  };
}
