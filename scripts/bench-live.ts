/**
 * The live-update fan-out bench: N subscribers (1,000 by default) to one product's stock on one
 * gateway process, over WebSocket (graphql-ws), and M stock changes (10) made one after the other
 * with `inventorySet`. Reports p50 / p99 / max of the time from the mutation's answer to each
 * subscriber's event, the events lost, and the gateway's resident memory per subscriber.
 *
 * `benchLive(options)` runs against a gateway that is already up (scripts/bench.ts can call it);
 * run alone (`node dist/scripts/bench-live.js`), this file starts the stores, the subgraphs and
 * one gateway itself, with a small catalog of its own (DATA_DIR, default .data/bench-live).
 *
 *   BENCH_LIVE_SUBSCRIBERS (1000)  BENCH_LIVE_CHANGES (10)  BENCH_PRODUCTS (200)
 *   BENCH_LIVE_DEBUG=1 also prints, per change, when the first and the last subscriber got it.
 */
import { readFileSync } from 'node:fs';
import { print } from 'graphql';
import WebSocket from 'ws';
import { env, loadConfig, runMain } from '../common/config';
import { createLogger } from '../common/logger';
import {
  AdminInventorySetDocument,
  ProductStockDocument,
  SignInDocument,
} from '../schema/generated/operations';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';
import { launch, stopAll, waitReady, type Service } from '../dev/processes';
import {
  DEV_ADMIN_EMAIL,
  loadStoreConfig,
  openStores,
  prepareStores,
  serviceEnvironment,
} from '../dev/stores';

export interface LiveBenchOptions {
  /** The gateway's GraphQL endpoint (http://…/graphql); WebSockets connect to the same path. */
  gatewayUrl: string;
  /** An admin's access token (inventorySet is for admins). */
  adminToken: string;
  /** The gateway's process id, to read its memory (/proc); without it, no memory figure. */
  gatewayPid?: number;
  subscribers?: number;
  changes?: number;
  /**
   * Client addresses to spread the subscribers over (loopback addresses), so that the
   * gateway's per-address limit (LIVE_MAX_PER_ADDRESS, 500) holds. Default 127.0.0.2–.5.
   */
  localAddresses?: string[];
}

export interface LiveBenchResult {
  subscribers: number;
  changes: number;
  /** Events that reached a subscriber (subscribers x changes when none is lost). */
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The gateway's resident memory growth per subscriber, in kB; null without its pid. */
  memoryPerSubscriberKb: number | null;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function residentKb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** A POST to the gateway; its data, or an error with what it answered. */
export async function graphql<T>(url: string, query: string, variables: unknown, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!body.data) throw new Error(`the gateway answered ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

interface Subscriber {
  socket: WebSocket;
  /** When the event with each quantity arrived (ms, performance.now()). */
  arrivals: Map<number, number>;
  first: Promise<void>;
}

function subscribeOne(wsUrl: string, productId: string, localAddress: string): Subscriber {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { localAddress });
  const arrivals = new Map<number, number>();
  let gotFirst: () => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const first = new Promise<void>((resolve, reject) => {
    gotFirst = resolve;
    failed = reject;
  });
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  socket.on('error', (error) => failed(error));
  socket.on('close', (code) => failed(new Error(`closed with ${code}`)));
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { type: string; payload?: unknown };
    if (message.type === 'connection_ack') {
      const payload = { query: print(ProductStockDocument), variables: { productId } };
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
    } else if (message.type === 'next') {
      const now = performance.now();
      const product = (
        message.payload as {
          data?: { productStockChanged?: { variants: { quantityAvailable: number | null }[] } };
        }
      ).data?.productStockChanged;
      const quantity = product?.variants[0]?.quantityAvailable;
      if (typeof quantity === 'number' && !arrivals.has(quantity)) arrivals.set(quantity, now);
      gotFirst();
    } else if (message.type === 'error') {
      failed(new Error(JSON.stringify(message.payload)));
    }
  });
  return { socket, arrivals, first };
}

/** Runs the fan-out against a running gateway. */
export async function benchLive(options: LiveBenchOptions): Promise<LiveBenchResult> {
  const count = options.subscribers ?? 1_000;
  const changes = options.changes ?? 10;
  const addresses = options.localAddresses ?? ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
  const { gatewayUrl, adminToken } = options;
  const listing = await graphql<{
    products: { nodes: { id: string; variants: { id: string }[] }[] };
  }>(gatewayUrl, '{ products(first: 1) { nodes { id variants { id } } } }', {});
  const product = listing.products.nodes[0];
  if (!product) throw new Error('the catalog is empty');
  const variantId = product.variants[0].id;
  const setStock = (quantity: number) =>
    graphql(gatewayUrl, print(AdminInventorySetDocument), { variantId, quantity }, adminToken);
  // Quantities the product has never had in this run, so every change is a new state.
  const base = 10_000 + Math.floor(Math.random() * 1_000_000);
  await setStock(base);

  const before = residentKb(options.gatewayPid);
  const wsUrl = gatewayUrl.replace(/^http/, 'ws');
  const subscribers: Subscriber[] = [];
  try {
    // In batches, so connecting is not what is measured.
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) =>
        subscribeOne(wsUrl, product.id, addresses[(i + j) % addresses.length]),
      );
      subscribers.push(...batch);
      await Promise.all(batch.map((s) => s.first));
    }
    const after = residentKb(options.gatewayPid);
    const latencies: number[] = [];
    for (let change = 1; change <= changes; change++) {
      const quantity = base + change;
      await setStock(quantity);
      const answered = performance.now();
      const deadline = Date.now() + 10_000;
      while (subscribers.some((s) => !s.arrivals.has(quantity)) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 5));
      const times: number[] = [];
      for (const s of subscribers) {
        const at = s.arrivals.get(quantity);
        if (at !== undefined) times.push(Math.max(0, at - answered));
      }
      latencies.push(...times);
      if (process.env.BENCH_LIVE_DEBUG)
        process.stdout.write(
          `change ${change}: first ${Math.min(...times).toFixed(0)} ms, last ${Math.max(...times).toFixed(0)} ms\n`,
        );
    }
    latencies.sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      subscribers: count,
      changes,
      delivered: latencies.length,
      p50Ms: round(quantile(latencies, 0.5)),
      p99Ms: round(quantile(latencies, 0.99)),
      maxMs: round(latencies[latencies.length - 1] ?? NaN),
      memoryPerSubscriberKb:
        before !== null && after !== null ? Math.round(((after - before) / count) * 10) / 10 : null,
    };
  } finally {
    for (const s of subscribers) s.socket.terminate();
  }
}

export function formatLiveBench(result: LiveBenchResult): string {
  return [
    `live fan-out: ${result.subscribers} subscribers to one product's stock, ${result.changes} changes`,
    `  delivered ${result.delivered} of ${result.subscribers * result.changes} events`,
    `  mutation answered -> event: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
    `  gateway memory per subscriber: ${result.memoryPerSubscriberKb ?? 'n/a'} kB`,
  ].join('\n');
}

if (require.main === module)
  runMain(async () => {
    const bench = loadConfig({
      subscribers: env.int('BENCH_LIVE_SUBSCRIBERS', 1_000, { min: 1, max: 100_000 }),
      changes: env.int('BENCH_LIVE_CHANGES', 10, { min: 1, max: 1_000 }),
      products: env.int('BENCH_PRODUCTS', 200, { min: 1, max: 1_000_000 }),
      dataDir: env.string('DATA_DIR', '.data/bench-live'),
    });
    const logger = createLogger('bench');
    const storeConfig = {
      ...loadStoreConfig({ ...process.env, DATA_DIR: bench.dataDir }),
      seedProducts: bench.products,
    };
    const stores = await openStores(storeConfig, logger);
    const services: Service[] = [];
    const port = 4450;
    try {
      await prepareStores(storeConfig, stores, logger);
      const benchPort = (p: number) => p + 600;
      const shared: Record<string, string> = {
        ...serviceEnvironment(storeConfig, stores),
        LOG_LEVEL: 'warn',
        METRICS_PORT: '0',
        ...Object.fromEntries(
          subgraphRegistry.map((s) => [
            subgraphUrlVariable(s.name),
            `http://127.0.0.1:${benchPort(s.port)}/graphql`,
          ]),
        ),
        ...(storeConfig.redisUrl
          ? {}
          : { GATEWAY_EVENTS_URL: `http://127.0.0.1:${port}/internal/events` }),
      };
      for (const subgraph of subgraphRegistry) {
        const service = launch(
          subgraph.name,
          subgraph.entry,
          { ...shared, PORT: String(benchPort(subgraph.port)) },
          { quiet: true },
        );
        services.push(service);
        await waitReady(service, `http://127.0.0.1:${benchPort(subgraph.port)}`);
      }
      const gateway = launch(
        'gateway',
        'dist/gateway/src/main.js',
        { ...shared, PORT: String(port), RATE_LIMIT_PER_ADDRESS: '10000000' },
        { quiet: true },
      );
      services.push(gateway);
      await waitReady(gateway, `http://127.0.0.1:${port}`);
      const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
      const signIn = await graphql<{
        signIn: { session: { accessToken: string } | null };
      }>(gatewayUrl, print(SignInDocument), {
        input: { email: DEV_ADMIN_EMAIL, password: storeConfig.devAdminPassword },
      });
      const adminToken = signIn.signIn.session?.accessToken;
      if (!adminToken) throw new Error('the admin could not sign in');
      const result = await benchLive({
        gatewayUrl,
        adminToken,
        gatewayPid: gateway.child.pid,
        subscribers: bench.subscribers,
        changes: bench.changes,
      });
      process.stdout.write(`${formatLiveBench(result)}\n`);
    } finally {
      await stopAll(services);
      await stores.stop();
    }
  });
