/**
 * /metrics after real requests through the gateway: the gateway's series by operation, outcome
 * and cache status, its subgraph fetches and refusals, the subgraphs' resolvers, loaders and
 * stores, the outbox and indexer gauges and the Node.js runtime's; no label holds an id or an
 * email address; and /metrics is never served on a public port.
 */
import {
  collectRuntimeMetrics,
  startMetricsServer,
  type MetricsServer,
} from '../common/observability';
import { manifest, post, registered, startEdgeGateway, type EdgeGateway } from './support/edge';
import { find, scrape, total, type Series } from './support/metrics';
import { startStack, type Stack } from './support/stack';

let stack: Stack;
let limited: EdgeGateway;
let metrics: MetricsServer;
let series: Series[];
const EMAIL = 'shopper.metrics@example.com';
let productId = '';
let productSlug = '';

const byId = (name: string, variables: Record<string, unknown>) => ({
  documentId: `sha256:${registered(name).id}`,
  variables,
});

beforeAll(async () => {
  stack = await startStack({ cache: 'redis', notifications: true });
  limited = await startEdgeGateway(stack, { RATE_LIMIT_PER_ADDRESS: '2' });
  collectRuntimeMetrics();
  metrics = await startMetricsServer(0, '127.0.0.1');
  const url = stack.gatewayUrl;
  const listing = await post(url, byId('ProductListing', { first: 5 }));
  expect(listing.status).toBe(200);
  const { edges } = listing.body.data?.products as {
    edges: { node: { id: string; slug: string } }[];
  };
  productId = edges[0].node.id;
  productSlug = edges[0].node.slug;
  expect((await post(url, byId('ProductDetail', { slug: productSlug }))).status).toBe(200);
  expect((await post(url, byId('Search', { query: 'headphones', first: 3 }))).status).toBe(200);
  // Ad-hoc, named as no persisted operation is: one label value for all such.
  const adHoc = await post(url, {
    query: `query Shopper_${Date.now()} { products(first: 1) { totalCount } }`,
  });
  expect(adHoc.status).toBe(200);
  // A variable holding an email address, and a mutation that fails as the request's fault.
  const signIn = await post(
    url,
    byId('SignIn', { input: { email: EMAIL, password: 'not-the-password-1' } }),
  );
  expect(signIn.status).toBe(200);
  // The back office's orders, asked for signed out: the order subgraph answers with an error.
  const order = await post(url, byId('AdminOrders', { first: 1 }));
  expect(order.body.errors?.length).toBeGreaterThan(0);
  // Refused by a limit before execution (11 root fields).
  const aliases = Array.from({ length: 11 }, (_, i) => `a${i}: categories { slug }`).join(' ');
  expect((await post(url, { query: `query TooMany { ${aliases} }` })).status).toBe(400);
  // Beyond the rate limit of a gateway that allows 2 requests.
  const statuses = [];
  for (let i = 0; i < 3; i++)
    statuses.push((await post(limited.url, byId('Categories', {}))).status);
  expect(statuses).toEqual([200, 200, 429]);
  series = await scrape(metrics.url);
});

afterAll(async () => {
  await Promise.all([limited?.close(), metrics?.close()]);
  await stack?.stop();
});

describe('the gateway', () => {
  it('counts requests by persisted operation, outcome and cache status', () => {
    // This stack's gateway runs without a response cache: every answer says `fwd=bypass`.
    const labels = { service: 'gateway', status: 'ok', cache_status: 'bypass' };
    expect(
      total(series, 'gateway_requests_total', { ...labels, operation: 'ProductListing' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'gateway_requests_total', { ...labels, operation: 'Search' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'gateway_requests_total', { ...labels, operation: 'other' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'gateway_requests_total', { operation: 'AdminOrders', status: 'client_error' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'gateway_requests_total', { operation: 'other', status: 'client_error' }),
    ).toBeGreaterThanOrEqual(1);
    const operations = new Set(
      find(series, 'gateway_requests_total').map((s) => s.labels.operation),
    );
    const known = new Set(['anonymous', 'other', ...manifest.operations.map((o) => o.name)]);
    expect([...operations].filter((o) => !known.has(o))).toEqual([]);
  });

  it('has a latency histogram by operation', () => {
    const buckets = find(series, 'gateway_request_duration_seconds_bucket', {
      service: 'gateway',
      operation: 'ProductDetail',
    });
    expect(buckets.map((b) => b.labels.le)).toContain('+Inf');
    expect(
      total(series, 'gateway_request_duration_seconds_count', { operation: 'ProductDetail' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('times each subgraph fetch, by subgraph', () => {
    for (const subgraph of ['product', 'search', 'user'])
      expect({
        subgraph,
        fetches: total(series, 'gateway_subgraph_fetch_duration_seconds_count', { subgraph }),
      }).toEqual({ subgraph, fetches: expect.any(Number) });
    expect(
      total(series, 'gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'product' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      find(series, 'gateway_subgraph_fetch_errors_total', { subgraph: 'order', reason: 'errors' })
        .length,
    ).toBe(1);
  });

  it('counts refusals by code and the rate limit', () => {
    expect(
      total(series, 'gateway_rejected_requests_total', { code: 'MAX_ROOT_FIELDS_LIMIT' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'gateway_rejected_requests_total', { code: 'RATE_LIMITED' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'gateway_rate_limited_total', { service: 'gateway' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'gateway_requests_total', { operation: 'Categories', status: 'client_error' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('reports the live subscriptions gauge', () => {
    expect(find(series, 'gateway_live_subscriptions', { service: 'gateway' })).toHaveLength(1);
  });
});

describe('the subgraphs', () => {
  it('count requests and root fields per service', () => {
    for (const service of ['product', 'search', 'user'])
      expect({ service, ok: total(series, 'subgraph_requests_total', { service }) > 0 }).toEqual({
        service,
        ok: true,
      });
    expect(
      total(series, 'subgraph_resolver_calls_total', {
        service: 'product',
        field: 'Query.products',
        status: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'subgraph_resolver_calls_total', { service: 'search', field: 'Query.search' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'subgraph_resolver_duration_seconds_count', {
        service: 'product',
        field: 'Query.product',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('record DataLoader batch sizes', () => {
    expect(
      total(series, 'dataloader_batch_size_count', {
        service: 'product',
        loader: 'productIdBySlug',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(total(series, 'dataloader_batch_size_sum', { service: 'order' })).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('count and time DynamoDB, PostgreSQL and the cache', () => {
    expect(
      total(series, 'dynamodb_requests_total', { service: 'product', status: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'dynamodb_request_duration_seconds_count', { service: 'product' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'postgres_queries_total', {
        service: 'search',
        statement: 'SELECT',
        status: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      total(series, 'postgres_query_duration_seconds_count', { service: 'order' }),
    ).toBeGreaterThanOrEqual(1);
    expect(find(series, 'postgres_pool_connections', { pool: 'main', state: 'open' }).length).toBe(
      1,
    );
    expect(
      total(series, 'postgres_pool_connections', { pool: 'main', state: 'max' }),
    ).toBeGreaterThan(0);
    expect(
      total(series, 'cache_requests_total', { service: 'product', backend: 'redis' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      find(series, 'cache_requests_total', { service: 'product', result: 'miss' }).length,
    ).toBe(1);
  });

  it("report the order outbox's backlog and the search indexer's lag", () => {
    expect(find(series, 'order_outbox_backlog', { service: 'order' })).toHaveLength(1);
    const age = find(series, 'order_outbox_oldest_age_seconds', { service: 'order' });
    expect(age).toHaveLength(1);
    expect(age[0].value).toBeGreaterThanOrEqual(0);
    const lag = find(series, 'search_indexer_lag_seconds', { service: 'search' });
    expect(lag).toHaveLength(1);
    expect(lag[0].value).toBeGreaterThanOrEqual(0);
  });

  it("and the Node.js runtime's event-loop lag, heap and GC", () => {
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'process_cpu_seconds_total',
    ])
      expect({ name, found: find(series, name).length > 0 }).toEqual({ name, found: true });
    expect(series.some((s) => s.name.startsWith('nodejs_gc_duration_seconds'))).toBe(true);
  });
});

describe('labels', () => {
  it('never hold an id, a slug, an email address or a variable', () => {
    const values = series.flatMap((s) => Object.values(s.labels));
    expect(values.filter((v) => v.includes('@'))).toEqual([]);
    expect(values.filter((v) => /[0-9a-f]{8}-[0-9a-f]{4}-/i.test(v))).toEqual([]);
    expect(
      values.filter((v) => v === productId || v === productSlug || v.includes('headphones')),
    ).toEqual([]);
    expect(values.filter((v) => v.startsWith('Shopper_'))).toEqual([]);
  });
});

describe('/metrics', () => {
  it('is not served on the public port of the gateway or a subgraph', async () => {
    for (const port of [stack.gateway.port, stack.product.port, stack.order.port]) {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      await response.arrayBuffer();
      expect({ port, status: response.status }).toEqual({ port, status: 404 });
    }
  });

  it('is served on its own port, anything else there is 404', async () => {
    const other = await fetch(`http://127.0.0.1:${metrics.port}/graphql`);
    await other.arrayBuffer();
    expect(other.status).toBe(404);
  });
});
