/**
 * `npm run reindex`: rebuilds the search index from the catalog. With `npm start` running it
 * needs nothing configured: it reads the running stack's settings from DATA_DIR. Elsewhere it
 * takes the search service's settings from the environment (DATABASE_URL,
 * INTERNAL_IDENTITY_SECRET, PRODUCT_SUBGRAPH_URL, ORDER_SUBGRAPH_URL).
 */
import 'reflect-metadata';
import { runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { loadSearchConfig } from '../subgraphs/search/src/config';
import { reindexCatalog } from '../subgraphs/search/src/reindex';
import { readLocalServiceSettings } from '../dev/stores';

runMain(async () => {
  const local = process.env.DATABASE_URL ? {} : await readLocalServiceSettings();
  await reindexCatalog(loadSearchConfig({ ...local, ...process.env }), createLogger('reindex'));
});
