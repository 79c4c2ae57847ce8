import { env, loadConfig } from '../../../common/config';
import { domainEventSettings } from '../../../common/domain-events';
import { subgraphUrlSetting } from '../../registry';

export const searchSettings = {
  identitySecret: env.secret('INTERNAL_IDENTITY_SECRET'),
  port: env.port('PORT', 4005),
  databaseUrl: env.url('DATABASE_URL', undefined, ['postgres', 'postgresql']),
  databasePoolSize: env.int('DATABASE_POOL_SIZE', 10, { min: 2, max: 200 }),
  /** The PostgreSQL schema of the index (one database can hold several, for example in tests). */
  schema: env.string('SEARCH_SCHEMA', 'search'),
  /** The catalog's change feed. */
  productSubgraphUrl: subgraphUrlSetting('product'),
  /** Stock. */
  orderSubgraphUrl: subgraphUrlSetting('order'),
  /** How often the catalog's change feed is read; a change is searchable within about this. */
  feedPollMs: env.int('SEARCH_FEED_POLL_MS', 1_000, { min: 100, max: 600_000 }),
  /** How far back each feed read starts, for index lag and clock skew between writers. */
  feedLookbackMs: env.int('SEARCH_FEED_LOOKBACK_MS', 10_000, { min: 0, max: 3_600_000 }),
  /** The currency of price facet labels. */
  currencyCode: env.string('STORE_CURRENCY', 'USD'),
  /** The search queue (order.placed, stock.changed); unset: the order service calls this service. */
  searchEventsQueueUrl: env.optionalUrl('SEARCH_EVENTS_QUEUE_URL'),
  eventsEndpoint: domainEventSettings.eventsEndpoint,
  awsRegion: domainEventSettings.awsRegion,
};

export type SearchConfig = ReturnType<typeof loadSearchConfig>;

export const loadSearchConfig = (source: Record<string, string | undefined> = process.env) =>
  loadConfig(searchSettings, source);
