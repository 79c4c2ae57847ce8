import { env, loadConfig, type Setting } from '../../common/config';
import { projectPath } from '../../common/paths';
import { storeEventSettings } from '../../common/store-events';
import { subgraphRegistry, subgraphUrlSetting } from '../../subgraphs/registry';
import { liveSettings } from './live/settings';

const subgraphUrls = Object.fromEntries(
  subgraphRegistry.map((s) => [s.name, subgraphUrlSetting(s.name)]),
) as Record<string, Setting<string>>;

export const gatewaySettings = {
  port: env.port('PORT', 4000),
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  userPoolId: env.string('COGNITO_USER_POOL_ID'),
  clientId: env.string('COGNITO_CLIENT_ID'),
  jwksUrl: env.optionalUrl('COGNITO_JWKS_URL'),
  trustedProxyHops: env.int('TRUSTED_PROXY_HOPS', 0, { min: 0, max: 10 }),
  supergraphPath: env.optionalString('SUPERGRAPH_PATH'),
  subgraphTimeoutMs: env.int('SUBGRAPH_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
  /** The Redis pub/sub channel of the store's events (the services publish on the same one). */
  eventsChannel: storeEventSettings.eventsChannel,
};

/** Origins a browser client may call from in development (any port). */
export const DEVELOPMENT_ORIGINS = ['http://localhost', 'http://127.0.0.1'];

/**
 * The edge's settings. Several defaults depend on `NODE_ENV=production`: trusted documents are
 * required, introspection, field suggestions and GraphiQL are off, and no origin is allowed
 * cross-origin unless listed.
 */
export function edgeSettings(production: boolean) {
  return {
    trustedDocuments: env.oneOf(
      'TRUSTED_DOCUMENTS',
      ['off', 'allow', 'require'] as const,
      production ? 'require' : 'off',
    ),
    manifests: env.string(
      'TRUSTED_DOCUMENTS_MANIFESTS',
      projectPath('schema', 'persisted-operations.json'),
    ),
    adminAdHoc: env.bool('TRUSTED_DOCUMENTS_ADMIN_AD_HOC', false),
    introspection: env.bool('INTROSPECTION', !production),
    fieldSuggestions: env.bool('FIELD_SUGGESTIONS', !production),
    graphiql: env.bool('GRAPHIQL', !production),
    maxDepth: env.int('LIMIT_DEPTH', 12, { min: 1, max: 1_000 }),
    maxAliases: env.int('LIMIT_ALIASES', 10, { min: 0, max: 100_000 }),
    maxRootFields: env.int('LIMIT_ROOT_FIELDS', 10, { min: 1, max: 100_000 }),
    maxTokens: env.int('LIMIT_TOKENS', 1_000, { min: 10, max: 1_000_000 }),
    maxDirectives: env.int('LIMIT_DIRECTIVES', 10, { min: 0, max: 100_000 }),
    maxCost: env.int('LIMIT_COST', 4_000, { min: 1, max: 1_000_000_000 }),
    assumedListSize: env.int('LIMIT_COST_LIST_SIZE', 10, { min: 1, max: 10_000 }),
    rateLimitPerAddress: env.int('RATE_LIMIT_PER_ADDRESS', 600, { min: 0, max: 10_000_000 }),
    rateLimitPerShopper: env.int('RATE_LIMIT_PER_SHOPPER', 300, { min: 0, max: 10_000_000 }),
    rateLimitWindowSeconds: env.int('RATE_LIMIT_WINDOW_SECONDS', 60, { min: 1, max: 86_400 }),
    rateLimitMutationWeight: env.int('RATE_LIMIT_MUTATION_WEIGHT', 5, { min: 1, max: 1_000 }),
    rateLimitPrefix: env.string('RATE_LIMIT_PREFIX', 'storefront:rate:'),
    redisUrl: env.optionalUrl('REDIS_URL', ['redis', 'rediss']),
    corsOrigins: env.string('CORS_ORIGINS', production ? '' : DEVELOPMENT_ORIGINS.join(',')),
    maxRequestHeaders: env.int('MAX_REQUEST_HEADERS', 100, { min: 10, max: 2_000 }),
    compressionMinBytes: env.int('COMPRESSION_MIN_BYTES', 1_024, { min: 0, max: 100_000_000 }),
    responseCache: env.bool('RESPONSE_CACHE', true),
    responseCachePrefix: env.string('RESPONSE_CACHE_PREFIX', 'storefront:response:'),
    responseCacheMemoryMb: env.int('RESPONSE_CACHE_MEMORY_MB', 64, { min: 1, max: 65_536 }),
    staleWhileRevalidateSeconds: env.int('CACHE_STALE_WHILE_REVALIDATE_SECONDS', 30, {
      min: 0,
      max: 86_400,
    }),
  };
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export type EdgeConfig = GatewayConfig['edge'];

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env) {
  const production = source.NODE_ENV === 'production';
  const edge = loadConfig(edgeSettings(production), source);
  return {
    ...loadConfig(gatewaySettings, source),
    subgraphUrls: loadConfig(subgraphUrls, source),
    production,
    live: loadConfig(liveSettings, source),
    edge: {
      ...edge,
      manifests: edge.manifests
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      corsOrigins: edge.corsOrigins
        .split(',')
        .map((o) => o.trim().replace(/\/$/, ''))
        .filter(Boolean),
    },
  };
}
