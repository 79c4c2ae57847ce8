/** Tracing into memory, started before anything it instruments loads (import it first). */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../common/tracing';

export const exporter = new InMemorySpanExporter();
export const tracing = startTracing({
  serviceName: 'storefront-test',
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
