/** Entry point of the gateway: `node dist/gateway/src/main.js`. */
import { runMain } from '../../common/config';
import { createLogger } from '../../common/logger';
import { onShutdown } from '../../common/shutdown';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

runMain(async () => {
  const config = loadGatewayConfig();
  const server = await startGateway(config, createLogger('gateway'));
  onShutdown(() => server.close());
});
