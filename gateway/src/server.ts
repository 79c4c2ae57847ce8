/**
 * The public edge: Apollo Server over @apollo/gateway, planning queries against the checked-in
 * supergraph. It serves /graphql, /graphiql, /healthz and /readyz, and no business logic. Before
 * Apollo Server sees a request, the edge (edge.ts) resolves trusted documents, checks the limits
 * and takes the rate limit's points.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { accessLogPlugin } from '../../common/access-log';
import { maskError } from '../../common/errors';
import { startHttpServer, type Check, type RunningServer } from '../../common/http';
import type { Logger } from '../../common/logger';
import { projectPath } from '../../common/paths';
import { createStoreEventSubscriber, type StoreEventSubscriber } from '../../common/store-events';
import type { GatewayConfig } from './config';
import { Authenticator } from './auth';
import { compressor } from './compression';
import { corsRoute } from './cors';
import { webhookForwardRoute } from './webhooks';
import { ResilientDataSource, type GatewayContext } from './datasource';
import { Edge } from './edge';
import { createGraphiqlHandler } from './graphiql';
import { LimitChecker } from './limits';
import { createLive, type Live } from './live';
import { gatewayObserver, measuredPrepare } from './metrics';
import { RateLimits } from './rate-limit';
import { cacheStatusRoute } from './http-cache';
import { createResponseCache, type ResponseCache } from './response-cache';
import { persistedQueryCache, TrustedDocuments, TrustedDocumentStore } from './trusted-documents';

/** The largest page a connection serves (`first` above it is BAD_USER_INPUT). */
const MAX_PAGE_SIZE = 100;

/** What the gateway parsed and validated itself (a trusted document by id: neither). */
export interface DocumentStats {
  parsed: number;
  validated: number;
}

const SUGGESTION = / ?Did you mean .+\?$/;

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
  options: {
    host?: string;
    /** `checks: false` skips the edge's checks (only to measure what they cost). */
    checks?: boolean;
    /** Where the access log goes (default: `logger`); null for none. */
    accessLog?: Logger | null;
    /** `observe: false` leaves out the access log and the request metrics (only to measure them). */
    observe?: boolean;
  } = {},
): Promise<
  RunningServer & {
    authenticator: Authenticator;
    edge: Edge;
    stats: DocumentStats;
    /** The store's committed changes (cache purges, live updates listen here). */
    events: StoreEventSubscriber;
    /** Live updates (subscriptions). */
    live: Live;
    /** The response cache (null with RESPONSE_CACHE=false). */
    responseCache: ResponseCache | null;
  }
> {
  // Apollo's anonymous usage reporting would call a host this store was not configured with.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const settings = config.edge;
  const dataSources: ResilientDataSource[] = [];
  const trusted = TrustedDocuments.load(settings.manifests);
  const persistedQueries = persistedQueryCache(trusted, settings.trustedDocuments === 'off');
  const documentStore = new TrustedDocumentStore(trusted);
  const checker = new LimitChecker({
    maxDepth: settings.maxDepth,
    maxAliases: settings.maxAliases,
    maxRootFields: settings.maxRootFields,
    maxTokens: settings.maxTokens,
    maxDirectives: settings.maxDirectives,
    maxCost: settings.maxCost,
    assumedListSize: settings.assumedListSize,
    assumedPageSize: MAX_PAGE_SIZE,
  });
  const rateLimits =
    settings.rateLimitPerAddress > 0 || settings.rateLimitPerShopper > 0
      ? new RateLimits(
          {
            perAddress: settings.rateLimitPerAddress,
            perShopper: settings.rateLimitPerShopper,
            windowSeconds: settings.rateLimitWindowSeconds,
            mutationWeight: settings.rateLimitMutationWeight,
            prefix: settings.rateLimitPrefix,
            redisUrl: settings.redisUrl,
          },
          logger,
        )
      : null;
  const edge = new Edge({
    mode: settings.trustedDocuments,
    adminAdHoc: settings.adminAdHoc,
    trusted,
    persistedQueries,
    checker,
    rateLimits,
    logger,
  });
  const stats: DocumentStats = { parsed: 0, validated: 0 };
  const responseCache = createResponseCache(settings, logger, rateLimits);
  const edgePlugin: ApolloServerPlugin<GatewayContext> = {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          edge.schemaLoaded(apiSchema);
          const invalid = documentStore.warm(apiSchema, { introspection: settings.introspection });
          if (invalid.length > 0)
            logger.error('trusted documents that do not validate', { operations: invalid });
        },
      };
    },
    async requestDidStart() {
      return {
        async parsingDidStart() {
          stats.parsed++;
        },
        async validationDidStart() {
          stats.validated++;
        },
      };
    },
  };
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

  const live = createLive({
    settings: config.live,
    edge,
    trusted,
    persistedQueries,
    maxTokens: settings.maxTokens,
    logger: logger.child({ component: 'live' }),
    authenticator,
    trustedProxyHops: config.trustedProxyHops,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    introspection: settings.introspection,
    hideSchemaDetailsFromClientErrors: !settings.fieldSuggestions,
    persistedQueries: { cache: persistedQueries },
    documentStore,
    parseOptions: { maxTokens: settings.maxTokens },
    formatError: (formatted, error) => {
      const masked = maskError(
        formatted,
        (f, original) =>
          logger.error('unexpected error at the gateway', {
            path: f.path?.join('.'),
            error:
              original instanceof Error ? (original.stack ?? original.message) : String(original),
          }),
        error,
      );
      // Apollo drops suggestions from validation errors only; variable errors carry them too.
      return settings.fieldSuggestions
        ? masked
        : { ...masked, message: masked.message.replace(SUGGESTION, '') };
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      edgePlugin,
      live.plugin,
      ...(responseCache ? [responseCache.plugin] : []),
      accessLogPlugin(),
    ],
  });
  await apollo.start();

  const events = createStoreEventSubscriber({
    redisUrl: settings.redisUrl,
    channel: config.eventsChannel,
    identitySecret: config.identitySecret,
    logger: logger.child({ component: 'store-events' }),
  });
  live.start(apollo, events);
  if (responseCache) events.subscribe(responseCache.onEvent);
  const running = await startHttpServer({
    apollo,
    context: async (req) => ({ identity: await authenticator.authenticate(req) }),
    port: config.port,
    host: options.host,
    prepare:
      options.checks === false
        ? undefined
        : measuredPrepare(edge.prepare, (id) => trusted.get(id)?.name),
    around: responseCache?.around,
    encode: compressor(settings.compressionMinBytes),
    maxHeaders: settings.maxRequestHeaders,
    observe:
      options.observe === false
        ? undefined
        : gatewayObserver(
            new Set([...trusted.all()].map((entry) => entry.name)),
            options.accessLog === undefined ? logger : options.accessLog,
          ),
    checks: Object.entries(config.subgraphUrls).map(([name, url]) => subgraphCheck(name, url)),
    routes: [
      cacheStatusRoute('/graphql'),
      ...(events.route ? [events.route] : []),
      webhookForwardRoute(config.subgraphUrls.order),
      corsRoute(settings.corsOrigins, ['/graphql']),
      live.route,
      ...(settings.graphiql
        ? [createGraphiqlHandler({ endpoint: '/graphql', title: 'Storefront GraphQL' })]
        : []),
    ],
  });
  live.attach(running.server);
  logger.info('gateway listening', {
    url: running.url,
    trustedDocuments: settings.trustedDocuments,
    registered: trusted.size,
  });
  return {
    ...running,
    authenticator,
    edge,
    stats,
    events,
    live,
    responseCache,
    close: async () => {
      await live.close(); // subscriptions complete first: their clients reconnect elsewhere
      await running.close();
      for (const source of dataSources) source.close();
      await Promise.all([rateLimits?.close(), events.close(), responseCache?.close()]);
    },
  };
}
