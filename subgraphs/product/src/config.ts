import { env, loadConfig } from '../../../common/config';
import { subgraphUrlSetting } from '../../registry';

export const productSettings = {
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  port: env.port('PORT', 4001),
  dynamoEndpoint: env.optionalUrl('DYNAMODB_ENDPOINT'),
  region: env.string('AWS_REGION', 'us-east-1'),
  table: env.string('CATALOG_TABLE', 'store-catalog'),
  createTables: env.bool('DYNAMODB_CREATE_TABLES', true),
  redisUrl: env.optionalUrl('REDIS_URL', ['redis', 'rediss']),
  cacheTtlSeconds: env.int('CACHE_TTL_SECONDS', 300, { min: 1, max: 86_400 }),
  assetBaseUrl: env.url('ASSET_BASE_URL', 'https://assets.example.com'),
  /** The order subgraph, which keeps stock: new products' initial quantities are sent there. */
  orderSubgraphUrl: subgraphUrlSetting('order'),
};

export const loadProductConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(productSettings, source);
