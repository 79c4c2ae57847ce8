/**
 * `node dist/scripts/cognito.js`: the local Cognito as a service of its own (docker-compose).
 * Keeps its state in DATA_DIR/cognito; COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID fix the ids of
 * a new pool so the other services can be configured with them up front.
 */
import { env, loadConfig, runMain } from '../common/config';
import { ensureDevAdmin, startEmbeddedCognito } from '../dev/embedded/cognito';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { DEFAULT_DEV_ADMIN_PASSWORD, DEV_ADMIN_EMAIL } from '../dev/stores';

runMain(async () => {
  const config = loadConfig({
    dataDir: env.string('DATA_DIR', '.data'),
    port: env.port('PORT', 9229),
    host: env.string('HOST', '0.0.0.0'),
    userPoolId: env.string('COGNITO_USER_POOL_ID'),
    clientId: env.string('COGNITO_CLIENT_ID'),
    devAdminPassword: env.string('DEV_ADMIN_PASSWORD', DEFAULT_DEV_ADMIN_PASSWORD),
  });
  const pool = await startEmbeddedCognito({ ...config, dataDir: `${config.dataDir}/cognito` });
  await ensureDevAdmin(pool, DEV_ADMIN_EMAIL, config.devAdminPassword);
  createLogger('cognito').info('local Cognito ready', {
    pool: pool.userPoolId,
    endpoint: pool.endpoint,
  });
  onShutdown(() => pool.stop());
});
