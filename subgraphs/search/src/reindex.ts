/**
 * `npm run reindex` (or `node dist/subgraphs/search/src/reindex.js` in a deployment, with the
 * search service's settings): rebuilds the search index from the whole catalog, reading it from
 * the product service and stock from the order service, which must be running.
 */
import 'reflect-metadata';
import { runMain } from '../../../common/config';
import { createLogger } from '../../../common/logger';
import { loadSearchConfig } from './config';
import { CatalogIndexer } from './indexer';
import { createSearchPool, migrateSearchDatabase } from './server';
import { orderServiceStock, productServiceFeed } from './sources';

runMain(async () => {
  const config = loadSearchConfig();
  const logger = createLogger('reindex');
  const pool = createSearchPool(config.databaseUrl, config.schema, 4);
  try {
    await migrateSearchDatabase(pool, config.schema);
    const endpoint = (url: string) => ({
      url,
      identitySecret: config.identitySecret,
      timeoutMs: 60_000,
    });
    const indexer = new CatalogIndexer(
      pool,
      productServiceFeed(endpoint(config.productSubgraphUrl)),
      orderServiceStock(endpoint(config.orderSubgraphUrl)),
      logger,
      { pollMs: config.feedPollMs, lookbackMs: config.feedLookbackMs, pageSize: 500 },
    );
    const result = await indexer.reindex();
    logger.info('search index rebuilt', { ...result });
  } finally {
    await pool.end();
  }
});
