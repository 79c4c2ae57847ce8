/**
 * The stores for a local run: the configured ones, or embedded stand-ins for those that are
 * not configured (dynalite for DynamoDB, PostgreSQL from npm). Shared by `npm start` and the
 * benchmark.
 */
import { ensureTable } from '../subgraphs/product/src/catalog.table';
import 'reflect-metadata';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, env, loadConfig } from '../common/config';
import { ensureDevAdmin, startEmbeddedCognito } from './embedded/cognito';
import { createDynamoClient } from '../common/dynamo';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded/dynamodb';
import { startEmbeddedS3 } from './embedded/s3';
import { startEmbeddedSmtp } from './embedded/smtp';
import { embeddedEventSettings, provisionEvents, startEmbeddedAws } from './embedded/aws';
import { startEmbeddedPostgres } from './embedded/postgres';
import type { Logger } from '../common/logger';
import { createPool } from '../common/postgres';
import { migrateOrderDatabase } from '../subgraphs/order/src/server';
import { migrateUserDatabase } from '../subgraphs/user/src/server';
import { apiWriter, seedCatalog, seededProducts, storeWriter } from './seed/write';
import { openDynaliteStore } from './embedded/dynamodb-store';
import { startDynamoProcess } from './embedded/dynamodb-process';

/** The local admin's password when DEV_ADMIN_PASSWORD is unset (written in the README). */
export const DEFAULT_DEV_ADMIN_PASSWORD = 'Storefront-admin-1';
export const DEV_ADMIN_EMAIL = 'admin@example.com';

export const storeSettings = {
  dataDir: env.string('DATA_DIR', '.data'),
  dynamoEndpoint: env.optionalUrl('DYNAMODB_ENDPOINT'),
  region: env.string('AWS_REGION', 'us-east-1'),
  table: env.string('CATALOG_TABLE', 'store-catalog'),
  databaseUrl: env.optionalUrl('DATABASE_URL', ['postgres', 'postgresql']),
  redisUrl: env.optionalUrl('REDIS_URL', ['redis', 'rediss']),
  embeddedDynamoPort: env.port('EMBEDDED_DYNAMODB_PORT', 4566),
  embeddedPostgresPort: env.port('EMBEDDED_POSTGRES_PORT', 54329),
  seedProducts: env.int('SEED_PRODUCTS', 2000, { min: 0, max: 1_000_000 }),
  userPoolId: env.optionalString('COGNITO_USER_POOL_ID'),
  clientId: env.optionalString('COGNITO_CLIENT_ID'),
  embeddedCognitoPort: env.port('EMBEDDED_COGNITO_PORT', 9229),
  devAdminPassword: env.string('DEV_ADMIN_PASSWORD', DEFAULT_DEV_ADMIN_PASSWORD),
  identitySecret: env.optionalString('INTERNAL_IDENTITY_SECRET'),
  smtpUrl: env.optionalUrl('SMTP_URL', ['smtp', 'smtps']),
  embeddedSmtpPort: env.port('EMBEDDED_SMTP_PORT', 2525),
  eventsTopicArn: env.optionalString('EVENTS_TOPIC_ARN'),
  embeddedAwsPort: env.port('EMBEDDED_AWS_PORT', 4567),
  /** The product media bucket; unset: the embedded S3 holds one (LOCAL_MEDIA_BUCKET). */
  mediaBucket: env.optionalString('MEDIA_BUCKET'),
  assetBaseUrl: env.optionalUrl('ASSET_BASE_URL'),
  embeddedS3Port: env.port('EMBEDDED_S3_PORT', 4568),
};

/** The bucket the embedded S3 holds when MEDIA_BUCKET is unset. */
export const LOCAL_MEDIA_BUCKET = 'store-media';

export type StoreConfig = ReturnType<typeof loadStoreConfig>;
export const loadStoreConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(storeSettings, source);

export interface CognitoSettings {
  userPoolId: string;
  clientId: string;
  region: string;
  /** Set for the local emulator only. */
  endpoint?: string;
  jwksUrl?: string;
}

export interface Stores {
  dynamoEndpoint: string;
  databaseUrl: string;
  /** Null when opened without identity (the seed needs none). */
  cognito: CognitoSettings | null;
  /** Shared by the gateway and the subgraphs for the identity assertion. */
  identitySecret: string;
  /** Where the order service sends its emails (SMTP_URL, or the embedded mail server). */
  smtpUrl: string;
  /** The topic and queue settings of the embedded SNS/SQS (none when EVENTS_TOPIC_ARN is set). */
  events: Record<string, string>;
  /** The embedded DynamoDB, when it was started here. */
  embeddedDynamo?: EmbeddedDynamo;
  /** The embedded PostgreSQL server's process id, when it was started here. */
  postgresPid?: number;
  /** The product service's media settings for the embedded S3; empty when MEDIA_BUCKET is set. */
  media: Record<string, string>;
  /** What was started here, for the start banner. */
  embedded: string[];
  stop(): Promise<void>;
}

export async function openStores(
  config: StoreConfig,
  logger: Logger,
  options: {
    identity?: boolean;
    media?: boolean;
    /** Run the embedded DynamoDB in a child process that counts requests (the benchmark). */
    dynamoProcess?: boolean;
    /** Extra server settings for the embedded PostgreSQL (`-c name=value`). */
    postgresSettings?: Record<string, string>;
  } = {},
): Promise<Stores> {
  const stops: (() => Promise<void>)[] = [];
  const embedded: string[] = [];
  try {
    let dynamoEndpoint = config.dynamoEndpoint;
    let embeddedDynamo: EmbeddedDynamo | undefined;
    let postgresPid: number | undefined;
    if (!dynamoEndpoint) {
      const dynamoOptions = {
        port: config.embeddedDynamoPort,
        path: join(resolve(config.dataDir), 'dynamodb'),
      };
      const dynamo = options.dynamoProcess
        ? await startDynamoProcess(dynamoOptions)
        : await startEmbeddedDynamo(dynamoOptions);
      embeddedDynamo = dynamo;
      stops.push(() => dynamo.stop());
      dynamoEndpoint = dynamo.endpoint;
      embedded.push(`DynamoDB (dynalite) ${dynamo.endpoint}, data in ${config.dataDir}/dynamodb`);
    }
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const postgres = await startEmbeddedPostgres({
        dataDir: join(resolve(config.dataDir), 'postgres'),
        port: config.embeddedPostgresPort,
        settings: options.postgresSettings,
        onError: (message) => {
          // Sessions ended by our own shutdown are expected; anything else is worth seeing.
          if (!message.includes('terminating connection due to administrator command')) {
            logger.error('embedded postgres', { message });
          }
        },
      });
      stops.push(() => postgres.stop());
      databaseUrl = postgres.url;
      postgresPid = postgres.pid;
      embedded.push(`PostgreSQL ${redactUrl(postgres.url)}, data in ${config.dataDir}/postgres`);
    }
    let cognito: CognitoSettings | null = null;
    if (options.identity === false) {
      cognito = null;
    } else if (config.userPoolId) {
      if (!config.clientId)
        throw new ConfigError('COGNITO_CLIENT_ID', 'is required with COGNITO_USER_POOL_ID');
      cognito = {
        userPoolId: config.userPoolId,
        clientId: config.clientId,
        region: config.userPoolId.split('_')[0],
      };
    } else {
      const emulator = await startEmbeddedCognito({
        dataDir: join(resolve(config.dataDir), 'cognito'),
        port: config.embeddedCognitoPort,
      });
      stops.push(() => emulator.stop());
      cognito = emulator;
      await ensureDevAdmin(emulator, DEV_ADMIN_EMAIL, config.devAdminPassword);
      embedded.push(
        `Cognito (cognito-local) ${emulator.endpoint}, pool ${emulator.userPoolId}, data in ${config.dataDir}/cognito`,
      );
    }
    let smtpUrl = config.smtpUrl;
    if (!smtpUrl) {
      const mailDir = join(resolve(config.dataDir), 'mail');
      const mail = await startEmbeddedSmtp({ port: config.embeddedSmtpPort, mailDir });
      stops.push(() => mail.stop());
      smtpUrl = mail.url;
      embedded.push(`mail (SMTP) ${mail.url}, every email written to ${config.dataDir}/mail`);
    }
    let events: Record<string, string> = {};
    if (!config.eventsTopicArn && options.identity !== false) {
      const aws = await startEmbeddedAws({ port: config.embeddedAwsPort });
      stops.push(() => aws.stop());
      events = embeddedEventSettings(
        await provisionEvents({ endpoint: aws.endpoint, region: config.region }),
        aws.endpoint,
      );
      embedded.push(
        `SNS/SQS/S3 (fauxqs) ${aws.endpoint}, topic store-events, queues store-events-*, in memory`,
      );
    }
    let media: Record<string, string> = {};
    if (!config.mediaBucket && options.media !== false) {
      const s3Dir = join(resolve(config.dataDir), 's3');
      const s3 = await startEmbeddedS3({
        port: config.embeddedS3Port,
        directory: s3Dir,
        buckets: [LOCAL_MEDIA_BUCKET],
      });
      stops.push(() => s3.stop());
      // The stand-in serves the files itself: it is the local CDN, unless one is configured.
      const assetBaseUrl = config.assetBaseUrl ?? s3.publicUrl(LOCAL_MEDIA_BUCKET);
      media = {
        MEDIA_BUCKET: LOCAL_MEDIA_BUCKET,
        MEDIA_S3_ENDPOINT: s3.endpoint,
        ASSET_BASE_URL: assetBaseUrl,
      };
      embedded.push(
        `S3 (s3rver) ${s3.endpoint}, bucket ${LOCAL_MEDIA_BUCKET}, files in ${config.dataDir}/s3, served at ${assetBaseUrl}`,
      );
    }
    return {
      dynamoEndpoint,
      databaseUrl,
      smtpUrl,
      events,
      media,
      cognito,
      embeddedDynamo,
      postgresPid,
      identitySecret: config.identitySecret ?? randomBytes(32).toString('base64url'),
      embedded,
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/** Creates the catalog table, runs migrations and seeds the demo catalog when it is missing. */
export async function prepareStores(
  config: StoreConfig,
  stores: Pick<Stores, 'dynamoEndpoint' | 'databaseUrl' | 'embeddedDynamo'>,
  logger: Logger,
  products = config.seedProducts,
): Promise<void> {
  const client = createDynamoClient({ endpoint: stores.dynamoEndpoint, region: config.region });
  const pool = createPool(stores.databaseUrl);
  try {
    const table = { client, name: config.table };
    await ensureTable(table);
    await migrateOrderDatabase(pool);
    await migrateUserDatabase(pool);
    if (products > 0) {
      const dynamo = stores.embeddedDynamo;
      const storePath = dynamo?.path;
      // The embedded store is seeded straight into its LevelDB, many times faster than its API.
      const result =
        dynamo && storePath && (await seededProducts(apiWriter(table))) < products
          ? await dynamo.offline(async () => {
              const store = await openDynaliteStore(storePath);
              try {
                return await seedCatalog(table, pool, {
                  products,
                  logger,
                  writer: storeWriter(store, table.name),
                });
              } finally {
                await store.close();
              }
            })
          : await seedCatalog(table, pool, { products, logger });
      if (result.applied) {
        logger.info('demo catalog seeded', {
          products: result.products,
          items: result.items,
          ms: result.ms,
          productsPerSecond: Math.round((result.products * 1000) / Math.max(1, result.ms)),
          via: dynamo?.path ? 'LevelDB' : 'BatchWriteItem',
        });
      }
    }
  } finally {
    client.destroy();
    await pool.end();
  }
}

/** The settings every service process gets (the gateway and the subgraphs). */
export function serviceEnvironment(config: StoreConfig, stores: Stores): Record<string, string> {
  return {
    DYNAMODB_ENDPOINT: stores.dynamoEndpoint,
    DATABASE_URL: stores.databaseUrl,
    AWS_REGION: config.region,
    CATALOG_TABLE: config.table,
    INTERNAL_IDENTITY_SECRET: stores.identitySecret,
    SMTP_URL: stores.smtpUrl,
    ...stores.media,
    ...(stores.cognito
      ? {
          COGNITO_USER_POOL_ID: stores.cognito.userPoolId,
          COGNITO_CLIENT_ID: stores.cognito.clientId,
        }
      : {}),
    ...(stores.cognito?.endpoint
      ? {
          COGNITO_ENDPOINT: stores.cognito.endpoint,
          // The emulator stands in for the pre-sign-up trigger that confirms sign-ups at once.
          COGNITO_AUTO_CONFIRM: 'true',
        }
      : {}),
    ...(stores.cognito?.jwksUrl ? { COGNITO_JWKS_URL: stores.cognito.jwksUrl } : {}),
    ...(config.redisUrl ? { REDIS_URL: config.redisUrl } : {}),
    ...stores.events,
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * While `npm start` runs, the settings its services got (store URLs, the internal identity
 * secret, subgraph URLs) are kept in DATA_DIR, readable by the owner only, so one-off commands
 * such as `npm run reindex` can reach the running stack.
 */
const localSettingsFile = () =>
  join(resolve(storeSettings.dataDir.read(process.env)), 'services.json');

export async function writeLocalServiceSettings(settings: Record<string, string>): Promise<void> {
  const file = localSettingsFile();
  await writeFile(file, JSON.stringify(settings, null, 2), { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function removeLocalServiceSettings(): Promise<void> {
  await rm(localSettingsFile(), { force: true });
}

export async function readLocalServiceSettings(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(localSettingsFile(), 'utf8')) as Record<string, string>;
  } catch {
    throw new Error(
      'No running local stack found (start it with `npm start`), and DATABASE_URL is not set.',
    );
  }
}
