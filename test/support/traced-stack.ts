/**
 * A test stack with tracing on, in a process of its own (jest's module loader bypasses the
 * hooks OpenTelemetry's instrumentations patch modules through). Run by
 * test/observability-tracing.test.ts with ts-node: it sends `{ gatewayUrl }` when ready, answers
 * `spans` with every span finished so far, and `stop` by stopping.
 */
import { exporter } from './tracing-memory';
import { startStack } from './stack';

interface FinishedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  attributes: Record<string, unknown>;
}

async function main() {
  const stack = await startStack({ cache: 'redis', searchFeed: false });
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message: string) => {
    if (message === 'spans') {
      const spans: FinishedSpan[] = exporter.getFinishedSpans().map((s) => ({
        name: s.name,
        kind: s.kind,
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext?.spanId ?? null,
        attributes: { ...s.attributes },
      }));
      send({ spans });
    }
    if (message === 'stop') void stack.stop().then(() => process.exit(0));
  });
  send({ gatewayUrl: stack.gatewayUrl });
}

main().catch((error: unknown) => {
  process.send?.({
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
