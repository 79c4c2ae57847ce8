/** Everything a subgraph service shares: Apollo Server with error masking, served over HTTP. */
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { accessLogPlugin, requestObserver } from './access-log';
import { maskError } from './errors';
import { HttpError, startHttpServer, type Check, type Route, type RunningServer } from './http';
import type { RequestContext } from './context';
import { identityOf } from './identity';
import type { Logger } from './logger';
import { subgraphRequestDuration, subgraphRequests } from './metrics';
import { measureRootFields } from './resolver-metrics';

export interface SubgraphOptions<TLoaders extends object> {
  name: string;
  schema: GraphQLSchema;
  /** A fresh set of the subgraph's loaders, for one request. */
  loaders: () => TLoaders;
  /** Shared with the gateway; requests without a valid assertion are refused with 401. */
  identitySecret: string;
  checks: Check[];
  /** HTTP routes besides GraphQL and health (the order service's webhooks). */
  routes?: Route[];
  port: number;
  host?: string;
  logger: Logger;
  /** Where the access log goes (default: `logger`); null for none. */
  accessLog?: Logger | null;
  /** Releases the service's own resources (pools, clients) after the server stops. */
  onClose?: () => Promise<void>;
}

export async function serveSubgraph<TLoaders extends object>(
  options: SubgraphOptions<TLoaders>,
): Promise<RunningServer> {
  measureRootFields(options.schema);
  const apollo = new ApolloServer<RequestContext<TLoaders>>({
    schema: options.schema,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) =>
      maskError(
        formatted,
        (f, original) =>
          options.logger.error('unexpected error in resolver', {
            path: f.path?.join('.'),
            error:
              original instanceof Error ? (original.stack ?? original.message) : String(original),
          }),
        error,
      ),
    // Federated tracing is for Apollo's hosted reporting, which this deployment does not use.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      accessLogPlugin(),
    ],
  });
  await apollo.start();
  const context = async (req: IncomingMessage): Promise<RequestContext<TLoaders>> => {
    const identity = identityOf(req, options.identitySecret);
    if (!identity) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'This service only answers the gateway.');
    }
    return { identity, loaders: options.loaders() };
  };
  const running = await startHttpServer({
    apollo,
    context,
    checks: options.checks,
    routes: options.routes,
    port: options.port,
    host: options.host,
    observe: requestObserver({
      service: options.name,
      logger: options.accessLog === undefined ? options.logger : options.accessLog,
      record: ({ seconds, outcome }) => {
        subgraphRequests.inc({ service: options.name, status: outcome });
        subgraphRequestDuration.observe({ service: options.name }, seconds);
      },
    }),
  });
  options.logger.info('subgraph listening', { subgraph: options.name, url: running.url });
  return {
    ...running,
    close: async () => {
      await running.close();
      await options.onClose?.();
    },
  };
}
