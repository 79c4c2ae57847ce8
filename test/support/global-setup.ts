/**
 * Once per test run: checks PostgreSQL and Redis answer (failing the run when they do not),
 * recreates the test database, starts an in-memory dynalite, the Cognito and S3 stand-ins, and
 * seeds the demo catalog.
 */
import { ensureTable } from '../../subgraphs/product/src/catalog.table';
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createDynamoClient } from '../../common/dynamo';
import { startEmbeddedCognito } from '../../dev/embedded/cognito';
import { startEmbeddedDynamo } from '../../dev/embedded/dynamodb';
import { startEmbeddedS3 } from '../../dev/embedded/s3';
import { createPool } from '../../common/postgres';
import { migrateOrderDatabase } from '../../subgraphs/order/src/server';
import { migrateUserDatabase } from '../../subgraphs/user/src/server';
import { createSearchPool, migrateSearchDatabase } from '../../subgraphs/search/src/server';
import { demoDocuments, indexDocuments } from '../../dev/seed/search-index';
import { seedCatalog } from '../../dev/seed/write';
import { testDatabaseUrl, testServices } from './services';

async function requirePostgres(): Promise<void> {
  const admin = new Client({
    connectionString: testServices.postgresAdminUrl,
    connectionTimeoutMillis: 3_000,
  });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${testServices.postgresAdminUrl} (${(error as Error).message}). ` +
        'Start it, or point TEST_POSTGRES_URL at one.',
    );
  }
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${testServices.databaseName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${testServices.databaseName}`);
  } finally {
    await admin.end();
  }
}

async function requireRedis(): Promise<void> {
  const redis = new Redis(testServices.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3_000,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${testServices.redisUrl} (${(error as Error).message}). ` +
        'Start it, or point TEST_REDIS_URL at one.',
    );
  } finally {
    redis.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  await Promise.all([requirePostgres(), requireRedis()]);
  const dynamo = await startEmbeddedDynamo();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  const cognitoDir = mkdtempSync(join(tmpdir(), 'storefront-cognito-'));
  const cognito = await startEmbeddedCognito({ dataDir: cognitoDir, port: await freePort() });
  const { stop: _stop, ...cognitoSettings } = cognito;
  process.env.TEST_COGNITO = JSON.stringify(cognitoSettings);
  // The media bucket: s3rver on a free port, files in a directory of the run's own.
  const s3Dir = mkdtempSync(join(tmpdir(), 'storefront-s3-'));
  const s3 = await startEmbeddedS3({
    directory: s3Dir,
    port: await freePort(),
    buckets: [testServices.mediaBucket],
  });
  process.env.TEST_S3_ENDPOINT = s3.endpoint;
  (globalThis as { __testStores?: unknown }).__testStores = {
    stop: async () => {
      await Promise.all([dynamo.stop(), cognito.stop(), s3.stop()]);
      rmSync(cognitoDir, { recursive: true, force: true });
      rmSync(s3Dir, { recursive: true, force: true });
    },
  };

  const client = createDynamoClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  const pool = createPool(testDatabaseUrl());
  try {
    const table = { client, name: testServices.catalogTable };
    await ensureTable(table);
    await migrateOrderDatabase(pool);
    await migrateUserDatabase(pool);
    const seeded = await seedCatalog(table, pool, { products: testServices.seedProducts });
    // The shared search index starts out holding the seeded catalog, as the search service would
    // after reading the catalog's feed, and each test stack's indexer carries on from there.
    const searchPool = createSearchPool(testDatabaseUrl(), 'search', 2);
    try {
      await migrateSearchDatabase(searchPool, 'search');
      await indexDocuments(searchPool, demoDocuments(testServices.seedProducts));
    } finally {
      await searchPool.end();
    }
    process.stdout.write(
      `\ntest services ready in ${Date.now() - started} ms ` +
        `(seeded ${seeded.products} products, ${seeded.items} items in ${seeded.ms} ms)\n`,
    );
  } finally {
    client.destroy();
    await pool.end();
  }
}
