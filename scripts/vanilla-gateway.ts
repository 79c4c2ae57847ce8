/**
 * The baseline for `npm run bench`: what a team would stand up by following Apollo's docs, a
 * stock @apollo/gateway in Apollo Server's standalone HTTP server over the same supergraph and
 * the same subgraphs. Not used outside benchmarks.
 */
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFileSync } from 'node:fs';
import { anonymous, IDENTITY_HEADER, signIdentity } from '../common/identity';
import { projectPath } from '../common/paths';
import { subgraphRegistry, subgraphUrlVariable } from '../subgraphs/registry';

async function main() {
  const port = Number(process.env.PORT ?? 4100);
  const secret = process.env.INTERNAL_IDENTITY_SECRET ?? '';
  const urls: Record<string, string | undefined> = Object.fromEntries(
    subgraphRegistry.map((s) => [s.name, process.env[subgraphUrlVariable(s.name)]]),
  );
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(projectPath('schema', 'supergraph.graphql'), 'utf8'),
    // The one addition the subgraphs require: the (anonymous) identity assertion.
    buildService: ({ name, url }) =>
      new (class extends RemoteGraphQLDataSource {
        override willSendRequest({ request }: GraphQLDataSourceProcessOptions) {
          request.http?.headers.set(IDENTITY_HEADER, signIdentity(anonymous, secret));
        }
      })({ url: urls[name] ?? url }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port } });
  process.stdout.write(`vanilla gateway at ${url}\n`);
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
