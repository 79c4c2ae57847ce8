import { domainEventSettings } from '../../../common/domain-events';
import { env, loadConfig } from '../../../common/config';
import { storeEventSettings } from '../../../common/store-events';
import { subgraphUrlSetting } from '../../registry';

export const productSettings = {
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  port: env.port('PORT', 4001),
  dynamoEndpoint: env.optionalUrl('DYNAMODB_ENDPOINT'),
  region: env.string('AWS_REGION', 'us-east-1'),
  table: env.string('CATALOG_TABLE', 'store-catalog'),
  createTables: env.bool('DYNAMODB_CREATE_TABLES', true),
  cacheTtlSeconds: env.int('CACHE_TTL_SECONDS', 300, { min: 1, max: 86_400 }),
  assetBaseUrl: env.url('ASSET_BASE_URL', 'https://assets.example.com'),
  /** The order subgraph, which keeps stock: new products' initial quantities are sent there. */
  orderSubgraphUrl: subgraphUrlSetting('order'),
  /** REDIS_URL (the shared cache and the event bus), GATEWAY_EVENTS_URL, STORE_EVENTS_CHANNEL. */
  ...storeEventSettings,
  /** How often the catalog's change feed is read for store events. */
  catalogEventsPollMs: env.int('CATALOG_EVENTS_POLL_MS', 250, { min: 10, max: 60_000 }),
  /** EVENTS_TOPIC_ARN, EVENTS_ENDPOINT, AWS_REGION: the store's domain events (docs/events.md). */
  ...domainEventSettings,
};

export const loadProductConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(productSettings, source);
