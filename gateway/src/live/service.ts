/**
 * Live updates at the gateway: what both transports (websocket.ts, multipart.ts) share. Opening a
 * subscription goes through the same edge as any request (trusted documents, limits, rate limit),
 * then the plan (plan.ts), the caller's limits (per connection, per client address) and the first
 * event, which is also the authorization: it runs as the subscriber, so whoever may not read the
 * order gets the order service's FORBIDDEN or UNAUTHENTICATED and no events.
 */
import { HeaderMap, type ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  parse,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { errors } from '../../../common/errors';
import { HttpError } from '../../../common/http';
import type { RequestIdentity } from '../../../common/identity';
import type { Logger } from '../../../common/logger';
import type { StoreEventSubscriber } from '../../../common/store-events';
import type { GatewayContext } from '../datasource';
import type { Edge } from '../edge';
import { selectOperation } from '../limits';
import {
  documentIdOf,
  type PersistedQueryCache,
  type TrustedDocuments,
} from '../trusted-documents';
import { LiveHub, Subscriber, type LiveResult } from './hub';
import { planSubscription, type LivePlan } from './plan';
import type { LiveSettings } from './settings';

/** What a client sends to subscribe (a graphql-ws `subscribe` payload, or an HTTP body). */
export interface SubscribeParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export type Ending = Parameters<ConstructorParameters<typeof Subscriber>[1]>[0];

export interface OpenedSubscription {
  subscriber: Subscriber;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
}

const hubs = new Set<LiveHub>();

/** Live subscriptions open in this process (every gateway in it), for the metrics. */
export function liveSubscriptionCount(): number {
  let total = 0;
  for (const hub of hubs) total += hub.size;
  return total;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A formatted error as the GraphQLError graphql-ws and the registry speak. */
export function toGraphQLError(error: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: error.extensions,
    path: error.path ? [...error.path] : undefined,
  });
}

const REFUSING = new Set(['FORBIDDEN', 'UNAUTHENTICATED']);

export interface LiveServiceOptions {
  settings: LiveSettings;
  edge: Edge;
  trusted: TrustedDocuments;
  persistedQueries: PersistedQueryCache;
  /** The parser's token limit (the edge's). */
  maxTokens: number;
  logger: Logger;
}

export class LiveService {
  readonly hub: LiveHub;
  private schema: GraphQLSchema | null = null;
  private apollo: ApolloServer<GatewayContext> | null = null;
  private readonly perAddress = new Map<string, number>();
  private readonly parsed = new LRUCache<string, DocumentNode>({ max: 500 });
  private unsubscribe: (() => void) | null = null;
  closing = false;

  constructor(private readonly options: LiveServiceOptions) {
    this.hub = new LiveHub(
      (query, variables, identity) => this.runQuery(query, variables, identity),
      options.logger,
    );
    hubs.add(this.hub);
  }

  get settings(): LiveSettings {
    return this.options.settings;
  }

  get apiSchema(): GraphQLSchema | null {
    return this.schema;
  }

  /** Follows the schema Apollo serves, and answers a subscription sent as a plain request. */
  readonly plugin: ApolloServerPlugin<GatewayContext> = {
    serverWillStart: async () => ({
      schemaDidLoadOrUpdate: ({ apiSchema }) => {
        this.schema = apiSchema;
      },
    }),
    requestDidStart: async () => ({
      didResolveOperation: async ({ operation }) => {
        if (operation?.operation === 'subscription')
          throw new GraphQLError(
            'Subscriptions are served over WebSocket (graphql-transport-ws) or multipart HTTP (Accept: multipart/mixed;subscriptionSpec="1.0") at this endpoint.',
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
      },
    }),
  };

  /** Starts: the queries run through `apollo`, the events come from `events`. */
  start(apollo: ApolloServer<GatewayContext>, events: StoreEventSubscriber): void {
    this.apollo = apollo;
    this.unsubscribe = events.subscribe(this.hub.dispatch);
  }

  private async runQuery(
    query: string,
    variables: Record<string, unknown>,
    identity: RequestIdentity,
  ): Promise<LiveResult> {
    if (!this.apollo) throw new Error('live updates have not started');
    const response = await this.apollo.executeOperation(
      { query, variables },
      { contextValue: { identity } },
    );
    if (response.body.kind !== 'single') throw new Error('a live query answered incrementally');
    const { data, errors: list } = response.body.singleResult;
    return { data: data ?? null, ...(list ? { errors: list.map(toGraphQLError) } : {}) };
  }

  /** The document of a request as the edge resolved it (text, or a registered id). */
  private async documentOf(params: SubscribeParams): Promise<string | GraphQLError> {
    if (typeof params.query === 'string' && params.query !== '') return params.query;
    const id = documentIdOf(params);
    if (!id) return errors.badRequest('Send the subscription as `query` or by its documentId.');
    const body =
      this.options.trusted.get(id)?.body ?? (await this.options.persistedQueries.get(`apq:${id}`));
    return body ?? errors.persistedQueryNotFound();
  }

  private parse(source: string): DocumentNode | GraphQLError {
    const known = this.parsed.get(source);
    if (known) return known;
    try {
      const document = parse(source, { maxTokens: this.options.maxTokens });
      this.parsed.set(source, document);
      return document;
    } catch (error) {
      return errors.parseFailed(error instanceof Error ? error.message : 'Syntax error');
    }
  }

  /** What kind of operation a request holds, without running anything (null: unknown). */
  async operationType(params: SubscribeParams): Promise<string | null> {
    const source = await this.documentOf(params).catch(() => null);
    if (typeof source !== 'string') return null;
    const document = this.parse(source);
    if (document instanceof GraphQLError) return null;
    const name = typeof params.operationName === 'string' ? params.operationName : null;
    const operation = selectOperation(document, name);
    return typeof operation === 'string' ? null : operation.operation;
  }

  /**
   * Opens a subscription for `identity`: the edge's checks (an HttpError for their refusals, as
   * for any request), then the caller's limits, the plan and the first event (GraphQL errors
   * for those refusals). The subscriber starts with its first event buffered.
   */
  async open(
    params: SubscribeParams,
    identity: RequestIdentity,
    onEnd: (ending: Ending) => void,
  ): Promise<OpenedSubscription | GraphQLError[]> {
    if (this.closing) return [errors.badRequest('The gateway is shutting down; reconnect.')];
    const schema = this.schema;
    if (!schema) return [errors.badRequest('The gateway is starting; try again.')];
    const prepared = await this.options.edge.prepare(
      {
        method: 'POST',
        headers: new HeaderMap([['content-type', 'application/json']]),
        search: '',
        body: { ...params },
      },
      { identity },
    );
    const source = await this.documentOf(isRecord(prepared.body) ? prepared.body : params);
    if (source instanceof GraphQLError) return [source];
    const document = this.parse(source);
    if (document instanceof GraphQLError) return [document];
    const name = typeof params.operationName === 'string' ? params.operationName : null;
    const operation = selectOperation(document, name);
    if (typeof operation === 'string')
      return [errors.operationResolutionFailure('Say which operation to run with operationName.')];
    const variables = isRecord(params.variables) ? params.variables : {};
    const plan = planSubscription(schema, document, operation, variables, identity);
    if (Array.isArray(plan)) return plan;

    const address = identity.clientIp ?? 'unknown';
    const held = this.perAddress.get(address) ?? 0;
    if (held >= this.settings.maxPerAddress)
      return [
        errors.subscriptionLimit(
          `A client address may hold ${this.settings.maxPerAddress} subscriptions at once.`,
        ),
      ];
    this.perAddress.set(address, held + 1);
    const subscriber = new Subscriber(this.settings.bufferEvents, (ending) => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      this.hub.released();
      onEnd(ending);
    });
    let first: LiveResult | null;
    try {
      first = await this.hub.subscribe(plan, subscriber);
    } catch (error) {
      subscriber.end({ reason: 'refused' });
      throw error;
    }
    const refusal = this.refusal(plan, first);
    if (refusal) {
      subscriber.end({ reason: 'refused' });
      return refusal;
    }
    if (first) subscriber.push(first, JSON.stringify(first), true);
    return { subscriber, document, operation, variables };
  }

  /** A first event that refuses the subscriber: no right to read, or nothing to follow. */
  private refusal(plan: LivePlan, first: LiveResult | null): GraphQLError[] | null {
    const denied = (first?.errors ?? []).filter((e) => REFUSING.has(String(e.extensions?.code)));
    if (denied.length > 0) return denied;
    if (plan.kind === 'feed' || !first) return null;
    if (first.data?.[plan.responseKey] == null && !first.errors)
      return [
        errors.notFound(
          plan.kind === 'product' ? 'There is no such product.' : 'There is no such order.',
        ),
      ];
    return null;
  }

  /** Ends every subscription (their clients complete them, and reconnect elsewhere). */
  close(): void {
    this.closing = true;
    this.unsubscribe?.();
    this.hub.endAll();
    hubs.delete(this.hub);
  }
}

/** A refusal of the edge (an HttpError) as the GraphQL error a WebSocket client is sent. */
export function edgeRefusal(error: unknown): GraphQLError[] {
  if (error instanceof HttpError)
    return [new GraphQLError(error.message, { extensions: { code: error.code } })];
  throw error;
}
