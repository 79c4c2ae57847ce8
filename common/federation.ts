/** Builds a Federation 2 subgraph schema from type-graphql classes. */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { Kind, parse, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import {
  buildSchema,
  createResolversMap,
  type BuildSchemaOptions,
  type PubSub,
} from 'type-graphql';
import { errors } from './errors';

/** A resolver class of a subgraph: constructed once, with the subgraph's services. */
export type ResolverClass<TServices> = new (services: TServices) => object;

/** Entity resolvers by type name (`__resolveReference`), given the subgraph's services. */
export type ReferenceResolvers = Record<string, Record<string, unknown>>;

export interface FederatedSchemaOptions<TServices> {
  resolvers: readonly [ResolverClass<TServices>, ...ResolverClass<TServices>[]];
  orphanedTypes?: BuildSchemaOptions['orphanedTypes'];
  /**
   * The services the resolvers call. Without them the schema can be printed (SDL, composition)
   * but not executed.
   */
  services?: TServices;
  references?: (services: TServices) => ReferenceResolvers;
}

/**
 * A subgraph declares subscription fields (so they compose into the supergraph) but never runs
 * them: the gateway serves subscriptions itself. type-graphql wants a PubSub for any
 * `@Subscription`; this one refuses.
 */
const gatewayServedPubSub: PubSub = {
  publish: () => undefined,
  subscribe: () => {
    throw errors.badRequest('Subscriptions are served by the gateway, at its /graphql.');
  },
};

const federationLink = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

/**
 * Apollo's cache control, declared in every subgraph: types and fields carry
 * `@cacheControl(maxAge, scope)`, Apollo Server's cache control plugin turns the hints of what a
 * request resolved into the response's `Cache-Control`, and the gateway combines the subgraphs'
 * headers into the policy of the whole response. The enum stays out of the public schema.
 */
export const cacheControlSdl = `
"""Who may share a cached response: anyone (PUBLIC) or only the caller (PRIVATE)."""
enum CacheControlScope @federation__inaccessible {
  """Cacheable by shared caches: the data is the same for every caller."""
  PUBLIC
  """Cacheable by the caller only: the data is about or for the caller."""
  PRIVATE
}

"""How long a type or field may be cached, and by whom."""
directive @cacheControl(
  maxAge: Int
  scope: CacheControlScope
  inheritMaxAge: Boolean
) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

export async function buildFederatedSchema<TServices>(
  options: FederatedSchemaOptions<TServices>,
): Promise<GraphQLSchema> {
  const { services } = options;
  const instances = new Map<unknown, object>(
    services === undefined ? [] : options.resolvers.map((R) => [R, new R(services)]),
  );
  const schema = await buildSchema({
    resolvers: options.resolvers,
    orphanedTypes: options.orphanedTypes,
    container: {
      get: (resolverClass: unknown) => {
        const instance = instances.get(resolverClass);
        if (!instance) throw new Error('this schema was built without services: print it only');
        return instance;
      },
    },
    skipCheck: true,
    pubSub: gatewayServedPubSub,
  });
  const referenceResolvers =
    services === undefined || !options.references ? {} : options.references(services);
  describeRootType(schema.getQueryType(), 'The entry points for reading the store.');
  describeRootType(schema.getMutationType(), 'The entry points for changing the store.');
  describeRootType(
    schema.getSubscriptionType(),
    'Live updates, served by the gateway over WebSocket (graphql-transport-ws) and multipart HTTP.',
  );
  const typeDefs = parse(
    `${federationLink}\n${cacheControlSdl}\n${printSchemaWithDirectives(schema)}`,
  );
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
