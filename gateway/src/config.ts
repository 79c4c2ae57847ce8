import { env, loadConfig, type Setting } from '../../common/config';
import { subgraphRegistry, subgraphUrlSetting } from '../../subgraphs/registry';

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
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env) {
  return {
    ...loadConfig(gatewaySettings, source),
    subgraphUrls: loadConfig(subgraphUrls, source),
  };
}
