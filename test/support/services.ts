/**
 * The real services the tests run against. PostgreSQL and Redis come from the environment
 * (127.0.0.1 by default); DynamoDB is the in-process dynalite. A missing service fails the run.
 */
export const testServices = {
  /** Admin connection used to create the test database. */
  postgresAdminUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  databaseName: process.env.TEST_DATABASE_NAME ?? 'storefront_test',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  /** Products the test catalog is seeded with (the first N of the demo catalog). */
  seedProducts: Number(process.env.TEST_SEED_PRODUCTS ?? '2000'),
  catalogTable: 'test-catalog',
  /** The bucket the S3 stand-in holds for product media. */
  mediaBucket: 'test-media',
};

export function testDatabaseUrl(): string {
  const url = new URL(testServices.postgresAdminUrl);
  url.pathname = `/${testServices.databaseName}`;
  return url.toString();
}

/** Set by the global setup for every test file. */
export function dynamoEndpoint(): string {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run the tests through jest');
  return endpoint;
}

export interface TestCognito {
  endpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
  jwksUrl: string;
}

/** The Cognito emulator the global setup started for this run. */
export function cognito(): TestCognito {
  const raw = process.env.TEST_COGNITO;
  if (!raw) throw new Error('TEST_COGNITO is not set: run the tests through jest');
  return JSON.parse(raw) as TestCognito;
}

/** The S3 stand-in (s3rver) the global setup started for this run. */
export function s3Endpoint(): string {
  const endpoint = process.env.TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('TEST_S3_ENDPOINT is not set: run the tests through jest');
  return endpoint;
}
