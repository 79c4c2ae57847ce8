/**
 * Imported first by each service's main.ts: starts tracing (common/tracing.ts) before any other
 * module loads, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; otherwise does nothing. The service
 * name is `OTEL_SERVICE_NAME`, or the entry point's service (`gateway`, `product`, …).
 */
import { onStop } from './shutdown';
import { serviceOfEntry, startTracing } from './tracing';

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  const tracing = startTracing({
    serviceName: process.env.OTEL_SERVICE_NAME || `storefront-${serviceOfEntry(process.argv[1])}`,
  });
  onStop(() => tracing.shutdown());
}
