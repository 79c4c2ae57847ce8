/**
 * For `npm run bench`: the services under test, each in a process of its own on a free port
 * (so a run never collides with `npm start`, tests or another benchmark): the five subgraphs and
 * the gateways compared over them.
 */
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';
import { freePort, launch, waitReady, type Service } from '../dev/processes';

export interface GatewayUnderTest {
  /** ours, unchecked, vanilla, hive, hive-rust. */
  name: string;
  url: string;
  pid: number | undefined;
  /** Whether it takes a trusted document by id (only ours, and Apollo's hash where unchecked). */
  byId: 'documentId' | 'persistedQuery' | null;
}

interface GatewaySpec {
  name: string;
  entry: string;
  byId: GatewayUnderTest['byId'];
  environment?: Record<string, string>;
  readyPath?: string;
  description: string;
}

export const gatewaySpecs: GatewaySpec[] = [
  {
    name: 'ours',
    entry: 'dist/gateway/src/main.js',
    byId: 'documentId',
    description: 'this gateway (gateway/src)',
  },
  {
    name: 'unchecked',
    entry: 'dist/scripts/bench-gateway.js',
    byId: 'persistedQuery',
    description: 'this gateway without the edge checks',
  },
  {
    name: 'unobserved',
    entry: 'dist/scripts/bench-observability-gateway.js',
    byId: 'documentId',
    description: 'this gateway without its access log and request metrics',
  },
  {
    name: 'vanilla',
    entry: 'dist/scripts/vanilla-gateway.js',
    byId: null,
    environment: { NODE_ENV: 'production' },
    readyPath: '/graphql?query=%7B__typename%7D',
    description: 'stock @apollo/gateway in Apollo Server',
  },
  {
    name: 'hive',
    entry: 'dist/scripts/bench-hive-gateway.js',
    byId: null,
    environment: { NODE_ENV: 'production' },
    readyPath: '/healthcheck',
    description: 'Hive Gateway, JavaScript query planner',
  },
  {
    name: 'hive-rust',
    entry: 'dist/scripts/bench-hive-gateway.js',
    byId: null,
    environment: { NODE_ENV: 'production', HIVE_QUERY_PLANNER: 'rust' },
    readyPath: '/healthcheck',
    description: 'Hive Gateway, Rust query planner (@graphql-hive/router-runtime)',
  },
];

export interface Stack {
  /** The subgraphs' URL variables (PRODUCT_SUBGRAPH_URL, ...). */
  urls: Record<string, string>;
  subgraphs: { name: string; pid: number | undefined }[];
  gateways: GatewayUnderTest[];
  services: Service[];
}

/**
 * Starts the subgraphs, then the named gateways. `profileDir` runs ours under `--cpu-prof`
 * (the profile is written there when it stops). Services started are pushed to `services` as
 * they start, so a failure part way still stops them.
 */
export async function startStack(
  shared: Record<string, string>,
  gatewayEnv: Record<string, string>,
  names: readonly string[],
  services: Service[],
  profileDir?: string,
): Promise<Stack> {
  const ports = new Map<string, number>();
  for (const s of subgraphRegistry) ports.set(s.name, await freePort());
  const urls = Object.fromEntries(
    subgraphRegistry.map((s) => [
      subgraphUrlVariable(s.name),
      `http://127.0.0.1:${ports.get(s.name)}/graphql`,
    ]),
  );
  const subgraphs: Stack['subgraphs'] = [];
  for (const subgraph of subgraphRegistry) {
    const port = ports.get(subgraph.name) ?? 0;
    const service = launch(
      subgraph.name,
      subgraph.entry,
      { ...shared, ...urls, PORT: String(port) },
      { quiet: true },
    );
    services.push(service);
    await waitReady(service, `http://127.0.0.1:${port}`);
    subgraphs.push({ name: subgraph.name, pid: service.child.pid });
  }
  const gateways: GatewayUnderTest[] = [];
  for (const spec of gatewaySpecs.filter((g) => names.includes(g.name))) {
    const port = await freePort();
    const service = launch(
      `gateway ${spec.name}`,
      spec.entry,
      { ...gatewayEnv, ...urls, ...spec.environment, PORT: String(port) },
      {
        quiet: true,
        nodeArgs:
          profileDir && spec.name === 'ours' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      },
    );
    services.push(service);
    await waitReady(service, `http://127.0.0.1:${port}`, spec.readyPath);
    gateways.push({
      name: spec.name,
      url: `http://127.0.0.1:${port}/graphql`,
      pid: service.child.pid,
      byId: spec.byId,
    });
  }
  return { urls, subgraphs, gateways, services };
}
