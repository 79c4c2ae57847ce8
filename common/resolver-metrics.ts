/**
 * Resolver-level metrics of a subgraph: every root field (`Query.products`, `Query._entities`,
 * `Mutation.checkout`) counted and timed by wrapping its resolver once, in the schema. Nested
 * fields are not wrapped: their cost is in their root field's, and wrapping every field would
 * cost every request more than it tells.
 */
import { performance } from 'node:perf_hooks';
import { defaultFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { metricService, resolverCalls, resolverDuration, secondsSince } from './metrics';

const measured = new WeakSet<GraphQLSchema>();

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, 'then') === 'function';

function wrapFields(type: GraphQLObjectType | null | undefined): void {
  if (!type) return;
  for (const field of Object.values(type.getFields())) {
    if (field.name === '_service') continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    const name = `${type.name}.${field.name}`;
    field.resolve = (source, args, context, info) => {
      const service = metricService();
      const start = performance.now();
      const done = (status: 'ok' | 'error') => {
        resolverCalls.inc({ service, field: name, status });
        resolverDuration.observe({ service, field: name }, secondsSince(start));
      };
      try {
        const result = resolve(source, args, context, info);
        if (isThenable(result)) {
          return Promise.resolve(result).then(
            (value) => {
              done('ok');
              return value;
            },
            (error: unknown) => {
              done('error');
              throw error;
            },
          );
        }
        done('ok');
        return result;
      } catch (error) {
        done('error');
        throw error;
      }
    };
  }
}

/** Counts and times the schema's root fields (once, however often it is served). */
export function measureRootFields(schema: GraphQLSchema): void {
  if (measured.has(schema)) return;
  measured.add(schema);
  wrapFields(schema.getQueryType());
  wrapFields(schema.getMutationType());
}
