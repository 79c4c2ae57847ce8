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
  /** The S3 bucket behind ASSET_BASE_URL that uploads go to; unset: no uploads. */
  mediaBucket: env.optionalString('MEDIA_BUCKET'),
  /** Unset: AWS S3 for the region. Set: an S3-compatible stand-in or a VPC endpoint. */
  mediaS3Endpoint: env.optionalUrl('MEDIA_S3_ENDPOINT'),
  /** The endpoint presigned URLs name, when clients reach S3 by another address than the service. */
  mediaS3PublicEndpoint: env.optionalUrl('MEDIA_S3_PUBLIC_ENDPOINT'),
  /** The largest file an upload may declare (10 MiB by default). */
  mediaMaxBytes: env.int('MEDIA_UPLOAD_MAX_BYTES', 10 * 1_048_576, { min: 1, max: 2_147_483_647 }),
  /** How long a presigned upload URL works. */
  mediaUploadExpiresSeconds: env.int('MEDIA_UPLOAD_EXPIRES_SECONDS', 300, { min: 1, max: 3_600 }),
  /** The order subgraph, which keeps stock: new products' initial quantities are sent there. */
  orderSubgraphUrl: subgraphUrlSetting('order'),
  /** REDIS_URL (the shared cache and the event bus), GATEWAY_EVENTS_URL, STORE_EVENTS_CHANNEL. */
  ...storeEventSettings,
  /** How often the catalog's change feed is read for store events. */
  catalogEventsPollMs: env.int('CATALOG_EVENTS_POLL_MS', 250, { min: 10, max: 60_000 }),
};

export const loadProductConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(productSettings, source);
