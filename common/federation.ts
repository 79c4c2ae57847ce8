/** Builds a Federation 2 subgraph schema from type-graphql classes. */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { Kind, parse, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';

const federationLink = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: Record<string, Record<string, unknown>> = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true });
  describeRootType(schema.getQueryType(), 'The entry points for reading the store.');
  describeRootType(schema.getMutationType(), 'The entry points for changing the store.');
  const typeDefs = parse(`${federationLink}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, fields] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = {
      ...(resolvers[typeName] as object),
      ...fields,
    } as GraphQLResolverMap<unknown>[string];
  }
  return buildSubgraphSchema({ typeDefs, resolvers });
}

/**
 * type-graphql cannot describe the root types; the SDL is printed from the type or its AST node,
 * so both get the description.
 */
function describeRootType(type: GraphQLObjectType | null | undefined, description: string): void {
  if (!type || type.description) return;
  type.description = description;
  if (type.astNode) {
    type.astNode = {
      ...type.astNode,
      description: { kind: Kind.STRING, value: description, block: true },
    };
  }
}
