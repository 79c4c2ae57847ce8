/**
 * The peer for `npm run bench`: Hive Gateway (`@graphql-hive/gateway`, MIT), the gateway a team
 * would pick instead of this one, over the same supergraph and subgraphs, served by node:http as
 * its docs show for Node. HIVE_QUERY_PLANNER=rust plans with Hive Router's Rust query planner
 * (`@graphql-hive/router-runtime`) instead of the JavaScript one. Like the vanilla gateway, it
 * adds only the (anonymous) identity assertion the subgraphs require. Not used outside benchmarks.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { anonymous, IDENTITY_HEADER, signIdentity } from '../common/identity';
import { projectPath } from '../common/paths';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';

/**
 * The little of Hive Gateway's API used here. Its own typings are not imported: they pull in the
 * DOM library (through @whatwg-node/fetch), which changes the global fetch types of the project.
 */
interface HiveGateway {
  (request: IncomingMessage, response: ServerResponse): void;
  dispose(): Promise<void> | void;
}
interface FetchHookPayload {
  options: { headers?: Record<string, string> } & Record<string, unknown>;
  setOptions(options: Record<string, unknown>): void;
}
const { createGatewayRuntime } = require('@graphql-hive/gateway') as {
  createGatewayRuntime(config: Record<string, unknown>): HiveGateway;
};

async function main() {
  const port = Number(process.env.PORT ?? 4100);
  const secret = process.env.INTERNAL_IDENTITY_SECRET ?? '';
  const rust = process.env.HIVE_QUERY_PLANNER === 'rust';
  const identity = {
    onFetch({ options, setOptions }: FetchHookPayload) {
      setOptions({
        ...options,
        headers: {
          ...options.headers,
          [IDENTITY_HEADER]: signIdentity(anonymous, secret),
        },
      });
    },
  };
  const gateway = createGatewayRuntime({
    supergraph: readFileSync(projectPath('schema', 'supergraph.graphql'), 'utf8'),
    transportEntries: Object.fromEntries(
      subgraphRegistry.map((s) => [s.name, { location: process.env[subgraphUrlVariable(s.name)] }]),
    ),
    plugins: () => [identity],
    logging: 'error',
    ...(rust
      ? {
          unifiedGraphHandler: (
            require('@graphql-hive/router-runtime') as { unifiedGraphHandler: unknown }
          ).unifiedGraphHandler,
        }
      : {}),
  });
  const server = createServer(gateway);
  server.listen(port, '127.0.0.1', () =>
    process.stdout.write(`Hive Gateway (${rust ? 'Rust' : 'JavaScript'} planner) on ${port}\n`),
  );
  process.on('SIGTERM', () => {
    server.close();
    void Promise.resolve(gateway.dispose()).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
