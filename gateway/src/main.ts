/** Entry point of the gateway: `node dist/gateway/src/main.js`. */
import '../../common/tracing-init';
import { runMain } from '../../common/config';
import { createLogger } from '../../common/logger';
import { startObservability } from '../../common/observability';
import { onShutdown } from '../../common/shutdown';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

runMain(async () => {
  const config = loadGatewayConfig();
  const logger = createLogger('gateway');
  const { accessLog } = await startObservability('gateway', logger);
  const server = await startGateway(config, logger, { accessLog });
  onShutdown(() => server.close());
});
