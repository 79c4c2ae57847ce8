/**
 * Tracing: one request is one trace, continuing the client's traceparent, from the gateway's
 * server span through its calls to the subgraphs to their PostgreSQL, DynamoDB and Redis spans.
 * The services run in a child process with the real instrumentations and an in-memory exporter.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { projectPath } from '../common/paths';
import { post, registered } from './support/edge';

interface FinishedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  attributes: Record<string, unknown>;
}

const SERVER = 1;
const CLIENT = 2;
const TRACE_ID = '5c1c63257de34c67b2e1f6b2a3e8d9f0';
const CLIENT_SPAN = 'b7ad6b7169203331';

let child: ChildProcess;
let gatewayUrl: string;

function next<T>(pick: (message: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (typeof message.error === 'string') reject(new Error(message.error));
      const value = pick(message);
      if (value !== undefined) {
        child.off('message', onMessage);
        resolve(value);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the traced stack exited with ${code}`)));
  });
}

beforeAll(async () => {
  child = fork(projectPath('test', 'support', 'traced-stack.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  gatewayUrl = await next((m) => (typeof m.gatewayUrl === 'string' ? m.gatewayUrl : undefined));
}, 120_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await exited;
});

async function spansOf(traceId: string): Promise<FinishedSpan[]> {
  // The exporter gets a span when it ends: ask until the request's root has ended.
  for (let attempt = 0; attempt < 50; attempt++) {
    child.send('spans');
    const spans = await next((m) =>
      Array.isArray(m.spans) ? (m.spans as FinishedSpan[]) : undefined,
    );
    const mine = spans.filter((s) => s.traceId === traceId);
    if (mine.some((s) => s.parentSpanId === CLIENT_SPAN)) return mine;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the request's spans never arrived");
}

it('records one trace from the gateway through the subgraphs to PostgreSQL, DynamoDB and Redis', async () => {
  const answer = await post(
    gatewayUrl,
    { documentId: `sha256:${registered('ProductListing').id}`, variables: { first: 3 } },
    { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
  );
  expect(answer.status).toBe(200);
  const spans = await spansOf(TRACE_ID);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const ancestors = (span: FinishedSpan): FinishedSpan[] => {
    const chain: FinishedSpan[] = [];
    for (
      let p = span.parentSpanId && byId.get(span.parentSpanId);
      p;
      p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined
    )
      chain.push(p);
    return chain;
  };
  // The gateway's server span continues the client's trace.
  const roots = spans.filter((s) => s.parentSpanId === CLIENT_SPAN);
  expect(roots).toEqual([expect.objectContaining({ kind: SERVER })]);
  const root = roots[0];
  // Subgraph server spans, each under a client span of the gateway's.
  const subgraphServers = spans.filter((s) => s.kind === SERVER && s !== root);
  expect(subgraphServers.length).toBeGreaterThanOrEqual(2);
  for (const server of subgraphServers) {
    const parent = server.parentSpanId ? byId.get(server.parentSpanId) : undefined;
    expect(parent?.kind).toBe(CLIENT);
    expect(ancestors(server)).toContain(root);
  }
  // Store spans, each under a subgraph's server span.
  const underSubgraph = (s: FinishedSpan) => ancestors(s).some((a) => subgraphServers.includes(a));
  const dynamo = spans.filter((s) => s.attributes['rpc.service'] === 'DynamoDB');
  const postgres = spans.filter(
    (s) =>
      s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql',
  );
  const redis = spans.filter(
    (s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis',
  );
  for (const [store, found] of Object.entries({ dynamo, postgres, redis })) {
    expect({ store, spans: found.length > 0 }).toEqual({ store, spans: true });
    expect({ store, underSubgraph: found.every(underSubgraph) }).toEqual({
      store,
      underSubgraph: true,
    });
  }
}, 60_000);

it('loads neither the SDK nor an instrumentation when no OTLP endpoint is set', () => {
  const { OTEL_EXPORTER_OTLP_ENDPOINT: _endpoint, ...environment } = process.env;
  const loaded = execFileSync(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-e',
      `require('./common/tracing-init');
       require('./gateway/src/server');
       require('./common/subgraph');
       const names = Object.keys(require.cache).filter((k) => /@opentelemetry[\\\\/](sdk-node|instrumentation)/.test(k));
       process.stdout.write(JSON.stringify(names));`,
    ],
    { cwd: projectPath(), env: environment, encoding: 'utf8' },
  );
  expect(JSON.parse(loaded)).toEqual([]);
});
