/**
 * Rebuilds the search index from the whole catalog, reading it from the product service and
 * stock from the order service (both must be running). In a deployment, run
 * `node dist/subgraphs/search/src/reindex.js` with the search service's settings; locally,
 * `npm run reindex` while `npm start` runs.
 */
import 'reflect-metadata';
import { runMain } from '../../../common/config';
import { createLogger, type Logger } from '../../../common/logger';
import { loadSearchConfig, type SearchConfig } from './config';
import { CatalogIndexer, type ReindexResult } from './indexer';
import { createSearchPool, migrateSearchDatabase } from './server';
import { orderServiceStock } from './order.client';
import { productServiceFeed } from './product.client';

export async function reindexCatalog(config: SearchConfig, logger: Logger): Promise<ReindexResult> {
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
    return result;
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  runMain(async () => {
    await reindexCatalog(loadSearchConfig(), createLogger('reindex'));
  });
}
