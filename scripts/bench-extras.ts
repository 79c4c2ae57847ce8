/**
 * The cases of `npm run bench` that need this gateway with its response cache on and the store's
 * events reaching it: cache hits by GET document id against a bare `node:http` server
 * (scripts/bench-cache.ts), and the live-update fan-out (scripts/bench-live.ts). One more gateway
 * process over the benchmark's subgraphs, on the port the subgraphs push their events to.
 */
import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { SignInDocument } from '../schema/generated/operations';
import { launch, waitReady, type Service } from '../dev/processes';
import { DEV_ADMIN_EMAIL } from '../dev/stores';
import { benchCacheHits, formatCacheHits } from './bench-cache';
import { benchLive, formatLiveBench, graphql } from './bench-live';

export interface ExtrasOptions {
  /** The gateways' environment, with the subgraphs' URLs. */
  gatewayEnv: Record<string, string>;
  /** The port the subgraphs push store events to (GATEWAY_EVENTS_URL). */
  port: number;
  devAdminPassword: string;
  seconds: number;
  connections: number;
  /** Which to run: `cache`, `live`. */
  cases: readonly string[];
  services: Service[];
}

/** Runs the cases asked for and returns the lines to print. */
export async function runExtras(options: ExtrasOptions): Promise<string[]> {
  if (options.cases.length === 0) return [];
  const gateway = launch(
    'gateway cached',
    'dist/gateway/src/main.js',
    {
      ...options.gatewayEnv,
      PORT: String(options.port),
      RESPONSE_CACHE: 'true',
      RESPONSE_CACHE_PREFIX: `bench:${randomBytes(4).toString('hex')}:`,
    },
    { quiet: true },
  );
  options.services.push(gateway);
  await waitReady(gateway, `http://127.0.0.1:${options.port}`);
  const gatewayUrl = `http://127.0.0.1:${options.port}/graphql`;
  const lines: string[] = [];
  if (options.cases.includes('cache')) {
    const first = await graphql<{ products: { nodes: { slug: string }[] } }>(
      gatewayUrl,
      '{ products(first: 1) { nodes { slug } } }',
      {},
    );
    const results = await benchCacheHits({
      gatewayUrl,
      gatewayPid: gateway.child.pid,
      slug: first.products.nodes[0].slug,
      seconds: options.seconds,
      connections: options.connections,
    });
    lines.push('', formatCacheHits(results, options.connections));
  }
  if (options.cases.includes('live')) {
    const signIn = await graphql<{ signIn: { session: { accessToken: string } | null } }>(
      gatewayUrl,
      print(SignInDocument),
      { input: { email: DEV_ADMIN_EMAIL, password: options.devAdminPassword } },
    );
    const adminToken = signIn.signIn.session?.accessToken;
    if (!adminToken) throw new Error('bench: the admin could not sign in');
    const result = await benchLive({ gatewayUrl, adminToken, gatewayPid: gateway.child.pid });
    lines.push('', formatLiveBench(result));
  }
  return lines;
}
