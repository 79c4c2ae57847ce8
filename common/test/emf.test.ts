/**
 * The EMF lines: each counter's increase since the last flush and each gauge's value, with the
 * dimension sets deploy/README.md gives the alarms' metrics, and the gateway's request durations
 * as values with counts.
 */
import { Registry, Counter, Gauge } from 'prom-client';
import { EMF_NAMESPACE, emfLines, recordDuration, startEmf } from '../emf';
import { cacheStatusOf, loggable, outcomeOf } from '../access-log';

function registry() {
  const r = new Registry();
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'h',
    labelNames: ['service', 'operation', 'status', 'cache_status'],
    registers: [r],
  });
  const age = new Gauge({
    name: 'order_outbox_oldest_age_seconds',
    help: 'h',
    labelNames: ['service'],
    registers: [r],
  });
  const other = new Gauge({ name: 'nodejs_heap_bytes', help: 'h', registers: [r] });
  return { r, requests, age, other };
}

it('writes counters as increases, rolled up to the dimensions the alarms use', async () => {
  const { r, requests, age, other } = registry();
  const labels = { service: 'gateway', operation: 'Search', status: 'ok' };
  requests.inc({ ...labels, cache_status: 'hit' }, 3);
  requests.inc({ ...labels, cache_status: 'none' }, 2);
  age.set({ service: 'order' }, 12.5);
  other.set(1);
  const previous = new Map<string, number>();
  const first = emfLines(await r.getMetricsAsJSON(), previous, 'gateway');
  const request = first.find((l) => 'gateway_requests_total' in l);
  expect(request).toMatchObject({ ...labels, gateway_requests_total: 5 });
  expect(request?._aws.CloudWatchMetrics).toEqual([
    {
      Namespace: EMF_NAMESPACE,
      Dimensions: [
        ['service', 'status'],
        ['service', 'operation', 'status'],
      ],
      Metrics: [{ Name: 'gateway_requests_total', Unit: 'Count' }],
    },
  ]);
  expect(first.find((l) => 'order_outbox_oldest_age_seconds' in l)).toMatchObject({
    service: 'order',
    order_outbox_oldest_age_seconds: 12.5,
  });
  expect(first.some((l) => 'nodejs_heap_bytes' in l)).toBe(false);
  requests.inc({ ...labels, cache_status: 'none' });
  const second = emfLines(await r.getMetricsAsJSON(), previous, 'gateway');
  expect(second.find((l) => 'gateway_requests_total' in l)?.gateway_requests_total).toBe(1);
});

it('sends request durations as values with counts, by operation', async () => {
  const lines: string[] = [];
  const emf = startEmf({
    service: 'gateway',
    write: (text) => lines.push(text),
    intervalMs: 3_600_000,
  });
  recordDuration('Search', 0.0123);
  recordDuration('Search', 0.0123);
  recordDuration('Search', 0.5);
  await emf.stop();
  const parsed = lines
    .join('')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const duration = parsed.find((l) => 'gateway_request_duration_seconds' in l);
  expect(duration).toMatchObject({
    service: 'gateway',
    operation: 'Search',
    gateway_request_duration_seconds: { Values: [0.012, 0.5], Counts: [2, 1] },
  });
});

it('classifies outcomes, cache statuses and loggable header values', () => {
  expect(outcomeOf(200, [])).toBe('ok');
  expect(outcomeOf(200, ['BAD_USER_INPUT'])).toBe('client_error');
  expect(outcomeOf(200, ['BAD_USER_INPUT', 'SUBGRAPH_UNAVAILABLE'])).toBe('server_error');
  expect(outcomeOf(429, [])).toBe('client_error');
  expect(outcomeOf(502, [])).toBe('server_error');
  expect(cacheStatusOf(undefined)).toBe('none');
  expect(cacheStatusOf('storefront; hit; ttl=30')).toBe('hit');
  expect(cacheStatusOf('storefront; fwd=uri-miss; stored')).toBe('miss');
  expect(cacheStatusOf('storefront; fwd=bypass')).toBe('bypass');
  expect(cacheStatusOf('storefront; fwd=stale')).toBe('stale');
  expect(loggable('shopper@example.com')).toBe('shopperexample.com');
  expect(loggable('ios-app\n{"level":"error"}')).toBe('ios-applevel:error');
});
