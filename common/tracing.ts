/**
 * OpenTelemetry tracing, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (for example an ADOT
 * collector that forwards to X-Ray): the SDK with the maintained instrumentations of node:http
 * (the gateway's server and subgraph calls, each subgraph's server), fetch (calls between
 * subgraphs), pg, ioredis and the AWS SDK (DynamoDB), so that one request is one trace from the
 * gateway through every subgraph to PostgreSQL, DynamoDB and Redis. W3C `traceparent` is taken
 * from the client or started, and sent on with each call. @apollo/gateway adds its own spans
 * (plan, fetch) through the same API. Without the variable, nothing here is loaded: the SDK and
 * the instrumentations stay off the require path, and a request pays nothing for them.
 *
 * Instrumentation must be registered before the modules it patches load, so each service's
 * main.ts imports common/tracing-init.ts first.
 */
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  serviceName: string;
  /** Where spans go; by default one batching processor exporting over OTLP/HTTP. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Paths that are never traced: the orchestrator's probes and the metrics scrape. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

export function startTracing(options: TracingOptions): Tracing {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK, resources } =
    require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { AwsInstrumentation } =
    require('@opentelemetry/instrumentation-aws-sdk') as typeof import('@opentelemetry/instrumentation-aws-sdk');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let spanProcessors = options.spanProcessors;
  if (!spanProcessors) {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    const { BatchSpanProcessor } =
      require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
    spanProcessors = [new BatchSpanProcessor(new OTLPTraceExporter())];
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // Only what the process knows itself: no detector that would call a cloud metadata host.
    resourceDetectors: [resources.envDetector, resources.hostDetector, resources.processDetector],
    spanProcessors,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED.has((req.url ?? '/').split('?')[0]),
      }),
      new UndiciInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new AwsInstrumentation({ suppressInternalInstrumentation: true }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/** The service a compiled entry point runs: `gateway` for dist/gateway/src/main.js, … */
export function serviceOfEntry(entry: string | undefined): string {
  const match = /(?:^|[\\/])(?:subgraphs[\\/])?(\w+)[\\/]src[\\/][\w.-]+$/.exec(entry ?? '');
  return match ? match[1] : 'storefront';
}
