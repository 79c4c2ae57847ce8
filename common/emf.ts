/**
 * The metrics as CloudWatch Embedded Metric Format lines on stdout (METRICS_FORMAT=emf), so that
 * CloudWatch Logs extracts them without an agent. Every `intervalMs` each counter's increase and
 * each gauge's value is written under the namespace `Storefront`, one line per label set, with
 * the dimension sets deploy/README.md names for the metrics the alarms use (every label for the
 * others). The gateway's request durations go as each request's value (`Values`/`Counts`), so
 * that CloudWatch computes percentiles; the other histograms stay in Prometheus.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { register } from './metrics';

export const EMF_NAMESPACE = 'Storefront';

/** Metrics published, by prefix; the Node.js runtime's are left to Prometheus. */
const PREFIXES = ['gateway_', 'subgraph_', 'dynamodb_', 'postgres_', 'cache_', 'order_', 'search_'];

/** The dimension sets of the metrics the alarms and the dashboard use (deploy/README.md). */
const CONTRACT: Readonly<Record<string, { unit: string; dimensions: string[][] }>> = {
  gateway_requests_total: {
    unit: 'Count',
    dimensions: [
      ['service', 'status'],
      ['service', 'operation', 'status'],
    ],
  },
  gateway_request_duration_seconds: {
    unit: 'Seconds',
    dimensions: [['service'], ['service', 'operation']],
  },
  gateway_rate_limited_total: { unit: 'Count', dimensions: [['service']] },
  order_outbox_oldest_age_seconds: { unit: 'Seconds', dimensions: [['service']] },
  search_indexer_lag_seconds: { unit: 'Seconds', dimensions: [['service']] },
};

type Labels = Record<string, string | number>;

/** Request durations seen since the last flush, by operation: value (ms precision) → count. */
const durations = new Map<string, Map<number, number>>();
let collecting = false;

/** Called by the gateway for each request while EMF is on. */
export function recordDuration(operation: string, seconds: number): void {
  if (!collecting) return;
  let values = durations.get(operation);
  if (!values) durations.set(operation, (values = new Map()));
  const rounded = Math.round(seconds * 1000) / 1000;
  values.set(rounded, (values.get(rounded) ?? 0) + 1);
}

const keyOf = (name: string, labels: Labels) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}}`;

export interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: object[] }[];
  };
  [key: string]: unknown;
}

function line(
  name: string,
  unit: string,
  labels: Labels,
  value: unknown,
  dimensions: string[][],
): EmfLine {
  return {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        { Namespace: EMF_NAMESPACE, Dimensions: dimensions, Metrics: [{ Name: name, Unit: unit }] },
      ],
    },
    ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    [name]: value,
  };
}

/** Sums values whose labels differ only in those outside `keep` (the contract's dimensions). */
function rollUp(values: MetricValue<string>[], keep: string[]): MetricValue<string>[] {
  const sums = new Map<string, MetricValue<string>>();
  for (const v of values) {
    const labels: Labels = {};
    for (const k of keep) {
      const label = v.labels[k];
      if (label !== undefined) labels[k] = label;
    }
    const key = keyOf('', labels);
    const known = sums.get(key);
    if (known) known.value += v.value;
    else sums.set(key, { labels, value: v.value });
  }
  return [...sums.values()];
}

/** Builds the lines of one flush; `previous` holds the counters' values at the last one. */
export function emfLines(
  metrics: MetricObjectWithValues<MetricValue<string>>[],
  previous: Map<string, number>,
  service: string,
): EmfLine[] {
  const lines: EmfLine[] = [];
  for (const metric of metrics) {
    if (!PREFIXES.some((p) => metric.name.startsWith(p))) continue;
    const type = String(metric.type);
    if (type !== 'counter' && type !== 'gauge') continue;
    const contract = CONTRACT[metric.name];
    const widest = contract?.dimensions[contract.dimensions.length - 1];
    const values = widest ? rollUp(metric.values, widest) : metric.values;
    for (const { labels, value } of values) {
      const all: Labels = { service, ...labels };
      let reported = value;
      if (type === 'counter') {
        const key = keyOf(metric.name, all);
        reported = value - (previous.get(key) ?? 0);
        previous.set(key, value);
        if (reported === 0 && !contract) continue;
      }
      const dimensions = contract?.dimensions ?? [Object.keys(all).sort()];
      const unit = contract?.unit ?? (type === 'counter' ? 'Count' : 'None');
      lines.push(line(metric.name, unit, all, reported, dimensions));
    }
  }
  const duration = CONTRACT.gateway_request_duration_seconds;
  for (const [operation, values] of durations) {
    const entries = [...values.entries()];
    // CloudWatch takes at most 100 distinct values per metric in one line.
    for (let i = 0; i < entries.length; i += 100) {
      const slice = entries.slice(i, i + 100);
      lines.push(
        line(
          'gateway_request_duration_seconds',
          duration.unit,
          { service, operation },
          { Values: slice.map(([v]) => v), Counts: slice.map(([, c]) => c) },
          duration.dimensions,
        ),
      );
    }
  }
  durations.clear();
  return lines;
}

export interface EmfOptions {
  service: string;
  intervalMs?: number;
  write?: (text: string) => void;
}

/** Writes the EMF lines every `intervalMs` (60 s) and once more when stopped. */
export function startEmf(options: EmfOptions): { flush(): Promise<void>; stop(): Promise<void> } {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const previous = new Map<string, number>();
  collecting = true;
  const flush = async () => {
    const metrics = await register.getMetricsAsJSON();
    const lines = emfLines(metrics, previous, options.service);
    if (lines.length > 0) write(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  };
  const timer = setInterval(
    () => void flush().catch(() => undefined),
    options.intervalMs ?? 60_000,
  );
  timer.unref();
  return {
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush().catch(() => undefined);
      collecting = false;
    },
  };
}
