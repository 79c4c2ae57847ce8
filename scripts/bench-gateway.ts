/**
 * For `npm run bench` only: this gateway without the edge's checks (trusted-document look-up,
 * limits, rate limits, input checks), so the benchmark can say what they cost per request.
 * Never used outside benchmarks.
 */
import { runMain } from '../common/config';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { loadGatewayConfig } from '../gateway/src/config';
import { startGateway } from '../gateway/src/server';

runMain(async () => {
  const server = await startGateway(loadGatewayConfig(), createLogger('bench-gateway'), {
    checks: false,
  });
  onShutdown(() => server.close());
});
