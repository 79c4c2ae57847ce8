/**
 * `npm run seed`: seeds the demo catalog into the configured stores (DYNAMODB_ENDPOINT and
 * DATABASE_URL, or the embedded ones in DATA_DIR). Idempotent. `-- --products 100000` makes a
 * larger catalog (the first products are the same whatever the size).
 */
import { runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { loadStoreConfig, openStores, prepareStores } from '../dev/stores';

function productsArgument(fallback: number): number {
  const index = process.argv.indexOf('--products');
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error('--products takes a whole number');
  return value;
}

runMain(async () => {
  const config = loadStoreConfig();
  const logger = createLogger('seed');
  const stores = await openStores(config, logger, { identity: false, media: false });
  try {
    await prepareStores(config, stores, logger, productsArgument(config.seedProducts));
    logger.info('catalog ready', { table: config.table });
  } finally {
    await stores.stop();
  }
});
