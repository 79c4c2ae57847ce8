/**
 * For scripts/bench-observability.ts only: this gateway without its access log and request
 * metrics (and no metrics endpoint), so the benchmark can say what they cost per request. Never
 * used outside benchmarks.
 */
import { runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { loadGatewayConfig } from '../gateway/src/config';
import { startGateway } from '../gateway/src/server';

runMain(async () => {
  const server = await startGateway(loadGatewayConfig(), createLogger('bench-gateway'), {
    observe: false,
  });
  onShutdown(() => server.close());
});
