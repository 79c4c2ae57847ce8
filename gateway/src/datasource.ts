/**
 * The gateway's connection to a subgraph. When the subgraph cannot be reached or answers with
 * something that is not GraphQL, the client gets the data of the other subgraphs plus one error
 * per failed fetch, with the code SUBGRAPH_UNAVAILABLE and the path where data is missing. The
 * underlying reason (which may name hosts and ports) is logged, never returned.
 */
import { performance } from 'node:perf_hooks';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { errors } from '../../common/errors';
import {
  anonymous,
  IDENTITY_HEADER,
  signIdentity,
  type RequestIdentity,
} from '../../common/identity';
import type { Logger } from '../../common/logger';
import { secondsSince } from '../../common/metrics';
import { propagationHeaders } from '../../common/request-scope';
import { createKeepAliveFetcher } from './fetcher';
import { subgraphFetchDuration, subgraphFetchErrors } from './metrics';

/** Response names of the root fields a subgraph operation selects (cached per query text). */
const rootFields = new Map<string, string[]>();

function rootFieldsOf(query: string): string[] {
  let fields = rootFields.get(query);
  if (!fields) {
    const operation = parse(query).definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    fields = (operation?.selectionSet.selections ?? []).flatMap((s) =>
      s.kind === Kind.FIELD ? [s.alias?.value ?? s.name.value] : [],
    );
    if (rootFields.size > 5_000) rootFields.clear();
    rootFields.set(query, fields);
  }
  return fields;
}

/** Lifetime of an identity assertion (the subgraphs reject it after). */
const ASSERTION_TTL_SECONDS = 60;

/** Signed assertions by identity object; an identity's entry goes when the identity does. */
const assertions = new WeakMap<
  RequestIdentity,
  { token: string; secret: string; renewAt: number }
>();

export interface GatewayContext {
  identity: RequestIdentity;
}

export class ResilientDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly connections: ReturnType<typeof createKeepAliveFetcher>;

  constructor(
    private readonly serviceName: string,
    url: string,
    timeoutMs: number,
    private readonly identitySecret: string,
    private readonly logger: Logger,
  ) {
    const connections = createKeepAliveFetcher({ timeoutMs });
    // Each subgraph's Cache-Control (from its cache hints) restricts the whole answer's policy.
    super({ url, fetcher: connections, honorSubgraphCacheControlHeader: true });
    this.connections = connections;
  }

  /** Closes the kept-alive connections to the subgraph. */
  close(): void {
    this.connections.destroy();
  }

  /**
   * The subgraph learns who is calling only from this signed assertion; nothing the client sent
   * is forwarded (the data source starts every subgraph request with fresh headers).
   */
  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const identity =
      'context' in options && options.context?.identity ? options.context.identity : anonymous;
    const headers = options.request.http?.headers;
    headers?.set(IDENTITY_HEADER, this.assertionFor(identity));
    // The request's trace and id go along, so the subgraph's logs and spans join the request's.
    for (const [name, value] of Object.entries(propagationHeaders())) headers?.set(name, value);
  }

  /**
   * The signed assertion for an identity, reused while it has at least half its lifetime left:
   * a request's identity object serves all its subgraph fetches, and the anonymous one every
   * anonymous request, so most fetches sign nothing.
   */
  private assertionFor(identity: RequestIdentity): string {
    const now = Date.now();
    const cached = assertions.get(identity);
    if (cached && cached.secret === this.identitySecret && cached.renewAt > now)
      return cached.token;
    const token = signIdentity(identity, this.identitySecret, ASSERTION_TTL_SECONDS);
    assertions.set(identity, {
      token,
      secret: this.identitySecret,
      renewAt: now + (ASSERTION_TTL_SECONDS * 1000) / 2,
    });
    return token;
  }

  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const start = performance.now();
    const labels = { service: 'gateway', subgraph: this.serviceName };
    try {
      const response = await super.process(options);
      if (response.errors?.length) subgraphFetchErrors.inc({ ...labels, reason: 'errors' });
      return response;
    } catch (error) {
      subgraphFetchErrors.inc({ ...labels, reason: 'unavailable' });
      this.logger.warn('subgraph request failed', {
        subgraph: this.serviceName,
        error: error instanceof Error ? error.message : String(error),
      });
      const query = options.request.query ?? '';
      const { message, extensions } = errors.subgraphUnavailable(this.serviceName);
      // For an entity fetch, point at the first entity whose fields are missing; for a root
      // fetch, at each root field the subgraph was asked for.
      const paths = rootFieldsOf(query).includes('_entities')
        ? [['_entities', 0]]
        : rootFieldsOf(query).map((field) => [field]);
      return {
        data: null,
        errors: paths.map((path) => ({ message, path, extensions })),
      };
    } finally {
      subgraphFetchDuration.observe(labels, secondsSince(start));
    }
  }
}
