/**
 * For `npm run bench`: the CPU time the edge's checks take per request, measured in-process
 * (no network, no other process competing), for the cases the load test sends. On a busy shared
 * machine this is the steady figure; the load test's with/without columns carry its noise.
 */
import { readFileSync } from 'node:fs';
import { HeaderMap } from '@apollo/server';
import { buildSchema } from 'graphql';
import type { RequestIdentity } from '../common/identity';
import { createLogger } from '../common/logger';
import { projectPath } from '../common/paths';
import { loadGatewayConfig } from '../gateway/src/config';
import { Edge } from '../gateway/src/edge';
import { LimitChecker } from '../gateway/src/limits';
import { RateLimits } from '../gateway/src/rate-limit';
import { persistedQueryCache, TrustedDocuments } from '../gateway/src/trusted-documents';

export interface EdgeCase {
  name: string;
  /** The POST body, as JSON text. */
  body: string;
}

/** Microseconds of CPU per request the edge's checks take, by case. */
export async function measureEdgeChecks(cases: readonly EdgeCase[], iterations = 20_000) {
  const { edge: settings } = loadGatewayConfig({
    INTERNAL_IDENTITY_SECRET: 'bench'.repeat(8),
    COGNITO_USER_POOL_ID: 'us-east-1_bench',
    COGNITO_CLIENT_ID: 'bench',
  });
  const logger = createLogger('bench', { silent: true });
  const schema = buildSchema(readFileSync(projectPath('schema', 'api.graphql'), 'utf8'));
  const trusted = TrustedDocuments.load(settings.manifests);
  const rateLimits = new RateLimits(
    { perAddress: 1e9, perShopper: 1e9, windowSeconds: 60, mutationWeight: 5, prefix: 'bench:' },
    logger,
  );
  const edge = new Edge({
    mode: 'off',
    adminAdHoc: false,
    trusted,
    persistedQueries: persistedQueryCache(trusted, false),
    checker: new LimitChecker({ ...settings, assumedPageSize: 100 }, schema),
    rateLimits,
    logger,
  });
  edge.schemaLoaded(schema);
  const context: { identity: RequestIdentity } = {
    identity: { viewer: { kind: 'anonymous' }, clientIp: '127.0.0.1' },
  };
  const results: { name: string; microseconds: number }[] = [];
  for (const { name, body } of cases) {
    const request = {
      method: 'POST',
      headers: new HeaderMap(),
      search: '',
      body: JSON.parse(body) as unknown,
    };
    for (let i = 0; i < 2_000; i++) await edge.prepare(request, context);
    const before = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await edge.prepare(request, context);
    const used = process.cpuUsage(before);
    results.push({ name, microseconds: (used.user + used.system) / iterations });
  }
  await rateLimits.close();
  return results;
}
