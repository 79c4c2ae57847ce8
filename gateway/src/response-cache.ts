/**
 * The gateway's response cache, in front of Apollo Server: a public answer (every part of it
 * PUBLIC in the subgraphs' cache hints, no errors) is stored for its combined max-age, and the
 * same request is then answered from the store before anything of GraphQL runs: no parse, no
 * validation, no plan, no subgraph request. A hit still takes its rate-limit points.
 *
 * The key is computed from the request as sent: the schema it was answered with, the caller's
 * class (anonymous or signed-in shopper; admins and services are never served from the cache),
 * the document id (or the SHA-256 of the text, which is the same id), the operation name and the
 * variables in canonical JSON. A PRIVATE part anywhere (the viewer, a cart, an order, anything
 * personalised for a signed-in shopper) makes the answer unstorable.
 *
 * Entries are tagged with what they hold (cache-tags.ts). Every replica receives the store's
 * events (common/store-events.ts) and purges the tags an event names; with Redis the entries and
 * the tag index are shared, so the first replica's purge already removes them for all. A purge
 * that is missed (the bus is at most once) leaves an entry until its max-age ends.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServerPlugin, type HTTPGraphQLResponse } from '@apollo/server';
import { printSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { GraphQLHttpRequest } from '../../common/http';
import type { RequestIdentity } from '../../common/identity';
import type { Logger } from '../../common/logger';
import type { StoreEvent } from '../../common/store-events';
import { INDEX_CATCH_UP_MS, laterPurgeTagsOf, purgeTagsOf, tagsOf } from './cache-tags';
import {
  etagOf,
  forwardStatus,
  hitStatus,
  matchesIfNoneMatch,
  mergeVary,
  PRIVATE_CACHE_CONTROL,
  publicCacheControl,
  type Forward,
} from './http-cache';
import type { EdgeConfig } from './config';
import type { RateLimits } from './rate-limit';
import {
  MemoryResponseStore,
  RedisResponseStore,
  UNAVAILABLE,
  type CachedResponse,
  type ResponseStore,
} from './response-cache-store';
import { canonicalJson, paramsOf, preflighted } from './response-cache-key';
import { documentIdOf, sha256Hex } from './trusted-documents';

export interface ResponseCacheOptions {
  store: ResponseStore;
  /**
   * What the edge refuses (trusted-documents mode, limits): part of the key, so a replica never
   * serves what its own edge would refuse from an entry another replica's edge allowed.
   */
  edgeVersion: string;
  /** `stale-while-revalidate` for shared caches, in seconds. */
  staleWhileRevalidate: number;
  /** Takes a hit's rate-limit points (a miss takes them at the edge); throws a 429. */
  rateLimit?: (identity: RequestIdentity) => Promise<void>;
  logger: Logger;
}

/** What Apollo Server decided about a request, for storing its answer. */
interface Outcome {
  operation: string | undefined;
  /** The combined policy; null when it is not cacheable (max-age 0, errors). */
  policy: { maxAge: number; scope: 'PUBLIC' | 'PRIVATE' } | null;
  /** The entities the answer holds; null when it cannot be tagged. */
  tags: string[] | null;
}

export interface ResponseCacheStats {
  hits: number;
  misses: number;
  stored: number;
  bypassed: number;
  /** Requests Apollo Server executed (a hit adds none). */
  executed: number;
  /** Entries removed by purges. */
  purged: number;
}

export class ResponseCache {
  readonly stats: ResponseCacheStats = {
    hits: 0,
    misses: 0,
    stored: 0,
    bypassed: 0,
    executed: 0,
    purged: 0,
  };
  /** Purges waiting for the search index to catch up. */
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Misses being answered now, by key: a concurrent request for the same key waits for it. */
  private readonly inflight = new Map<string, Promise<void>>();
  /** Keys whose last answer was not stored (private, errors): their requests never wait. */
  private readonly unstorable = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });
  /** By the request's identity: Apollo Server hands plugins a shallow copy of the context. */
  private readonly outcomes = new WeakMap<object, Outcome>();
  /** When each tag was last purged here: an answer read before a purge is not stored after it. */
  private readonly purgedAt = new LRUCache<string, number>({ max: 100_000, ttl: 600_000 });

  /** Changes with the served supergraph: a deploy never answers from the old one's entries. */
  private schemaVersion = '';

  constructor(private readonly options: ResponseCacheOptions) {}

  /** Records, for each request Apollo Server answers, its policy and tags. */
  readonly plugin: ApolloServerPlugin<{ identity: RequestIdentity }> = {
    serverWillStart: async () => ({
      schemaDidLoadOrUpdate: ({ apiSchema, coreSupergraphSdl }) => {
        this.schemaVersion = sha256Hex(coreSupergraphSdl ?? printSchema(apiSchema));
      },
    }),
    requestDidStart: async () => {
      this.stats.executed++;
      return {
        willSendResponse: async (rc) => {
          const body = rc.response.body;
          const single = body.kind === 'single' ? body.singleResult : null;
          const cacheable =
            single && !single.errors ? rc.overallCachePolicy.policyIfCacheable() : null;
          const operation = rc.operation?.operation;
          let tags: string[] | null = null;
          if (cacheable?.scope === 'PUBLIC' && rc.operation && rc.document && single?.data)
            tags = tagsOf(
              rc.schema,
              rc.document,
              rc.operation,
              rc.request.variables ?? {},
              single.data,
            );
          this.outcomes.set(rc.contextValue.identity, { operation, policy: cacheable, tags });
        },
      };
    },
  };

  /** The key of a request, or why it is not served from the cache. */
  private keyOf(
    request: GraphQLHttpRequest,
    identity: RequestIdentity,
  ): { key: string } | { forward: Forward; detail?: string } {
    if (request.method !== 'GET' && request.method !== 'POST') return { forward: 'method' };
    const viewer = identity.viewer;
    if (viewer.kind !== 'anonymous' && (viewer.kind !== 'user' || viewer.isAdmin))
      return { forward: 'bypass', detail: 'admin' };
    if (!preflighted(request.headers)) return { forward: 'bypass' };
    const accept = request.headers.get('accept');
    if (accept && !accept.includes('application/json') && !accept.includes('*/*'))
      return { forward: 'bypass' };
    const params = paramsOf(request);
    if (!params) return { forward: 'bypass' };
    const sent = typeof params.query === 'string' && params.query !== '' ? params.query : null;
    const named = documentIdOf(params);
    const id = sent !== null ? sha256Hex(sent) : named;
    // No document, a malformed id, or text that is not the document the id names: Apollo answers.
    if (!id || (named && named !== id)) return { forward: 'bypass' };
    if (sent !== null && /^\s*(mutation|subscription)\b/.test(sent)) return { forward: 'method' };
    const variables =
      params.variables === undefined || params.variables === null ? {} : params.variables;
    const operationName = typeof params.operationName === 'string' ? params.operationName : '';
    const key = createHash('sha256')
      .update(
        [
          this.schemaVersion,
          this.options.edgeVersion,
          viewer.kind === 'anonymous' ? 'anonymous' : 'shopper',
          id,
          operationName,
          canonicalJson(variables),
        ].join('\0'),
      )
      .digest('base64url');
    return { key };
  }

  private publicHeaders(
    headers: HeaderMap,
    res: ServerResponse,
    entry: { etag: string; maxAge: number; tags: string[] },
  ): void {
    headers.set(
      'cache-control',
      publicCacheControl(entry.maxAge, this.options.staleWhileRevalidate),
    );
    headers.set('etag', entry.etag);
    headers.set('cache-tag', entry.tags.join(','));
    headers.set('vary', mergeVary(res.getHeader('vary'), 'authorization'));
  }

  /** 304 for a GET whose `If-None-Match` names the answer's ETag. */
  private conditional(
    request: GraphQLHttpRequest,
    response: HTTPGraphQLResponse,
    etag: string,
  ): HTTPGraphQLResponse {
    if (request.method !== 'GET' || !matchesIfNoneMatch(request.headers.get('if-none-match'), etag))
      return response;
    response.headers.delete('content-type');
    response.headers.delete('content-length');
    return { status: 304, headers: response.headers, body: { kind: 'complete', string: '' } };
  }

  private hit(
    request: GraphQLHttpRequest,
    res: ServerResponse,
    entry: CachedResponse,
  ): HTTPGraphQLResponse {
    this.stats.hits++;
    const age = Math.max(0, Math.floor((Date.now() - entry.storedAt) / 1000));
    const headers = new HeaderMap([['content-type', 'application/json; charset=utf-8']]);
    this.publicHeaders(headers, res, entry);
    headers.set('age', String(age));
    headers.set('cache-status', hitStatus(Math.max(0, entry.maxAge - age)));
    return this.conditional(
      request,
      { status: 200, headers, body: { kind: 'complete', string: entry.body } },
      entry.etag,
    );
  }

  readonly around = async (
    request: GraphQLHttpRequest,
    context: { identity: RequestIdentity },
    _req: IncomingMessage,
    res: ServerResponse,
    run: (request: GraphQLHttpRequest) => Promise<HTTPGraphQLResponse>,
  ): Promise<HTTPGraphQLResponse> => {
    const found = this.keyOf(request, context.identity);
    let detail: string | undefined;
    let release: (() => void) | undefined;
    if ('key' in found) {
      const key = found.key;
      let entry = await this.options.store.get(key);
      // The same answer is being fetched: wait for it rather than fetch it again.
      const pending = entry === null && !this.unstorable.has(key) && this.inflight.get(key);
      if (pending) {
        await pending;
        entry = await this.options.store.get(key);
      }
      if (entry && entry !== UNAVAILABLE) {
        await this.options.rateLimit?.(context.identity);
        return this.hit(request, res, entry);
      }
      if (entry === UNAVAILABLE) detail = 'unavailable';
      else if (!this.inflight.has(key) && !this.unstorable.has(key)) {
        this.inflight.set(key, new Promise<void>((resolve) => (release = resolve)));
      }
    }
    try {
      return await this.miss(request, context, res, run, found, detail);
    } finally {
      if (release && 'key' in found) {
        this.inflight.delete(found.key);
        release();
      }
    }
  };

  private async miss(
    request: GraphQLHttpRequest,
    context: { identity: RequestIdentity },
    res: ServerResponse,
    run: (request: GraphQLHttpRequest) => Promise<HTTPGraphQLResponse>,
    found: { key: string } | { forward: Forward; detail?: string },
    detail: string | undefined,
  ): Promise<HTTPGraphQLResponse> {
    const startedAt = Date.now();
    const response = await run(request);
    const outcome = this.outcomes.get(context.identity);
    const policy = outcome?.policy ?? null;
    const body = response.body.kind === 'complete' ? response.body.string : null;
    const keyed = 'key' in found;
    const status = (extra: { stored?: boolean; ttl?: number; detail?: string }) =>
      !keyed
        ? forwardStatus(found.forward, { detail: found.detail })
        : outcome?.operation && outcome.operation !== 'query'
          ? forwardStatus('method')
          : forwardStatus('uri-miss', { ...extra, detail: detail ?? extra.detail });
    if (keyed) this.stats.misses++;
    else this.stats.bypassed++;
    if (policy?.scope !== 'PUBLIC' || (response.status ?? 200) !== 200 || body === null) {
      if ('key' in found) this.unstorable.set(found.key, true);
      response.headers.set('cache-control', PRIVATE_CACHE_CONTROL);
      response.headers.set('cache-status', status({ detail: policy ? 'private' : 'uncacheable' }));
      return response;
    }
    const tags = outcome?.tags ?? null;
    const entry: CachedResponse = {
      body,
      etag: etagOf(body),
      maxAge: policy.maxAge,
      storedAt: Date.now(),
      tags: tags ?? [],
    };
    this.publicHeaders(response.headers, res, entry);
    // Not stored: nothing could purge it, or a purge of what it holds came while it was read.
    const stored =
      keyed && tags !== null && !tags.some((t) => (this.purgedAt.get(t) ?? 0) >= startedAt);
    if (stored && 'key' in found) {
      this.stats.stored++;
      this.unstorable.delete(found.key);
      void this.options.store.set(found.key, entry);
    } else if ('key' in found) this.unstorable.set(found.key, true);
    response.headers.set(
      'cache-status',
      status({
        stored,
        ttl: stored ? policy.maxAge : undefined,
        detail: tags === null ? 'untagged' : undefined,
      }),
    );
    return this.conditional(request, response, entry.etag);
  }

  /** Purges what a store event changed; searches again once the index has caught up. */
  readonly onEvent = (event: StoreEvent): void => {
    this.purge(purgeTagsOf(event));
    const later = laterPurgeTagsOf(event);
    if (later.length === 0) return;
    for (const delay of INDEX_CATCH_UP_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.purge(later);
      }, delay);
      timer.unref();
      this.timers.add(timer);
    }
  };

  /** Deletes the tagged entries (retried a few times when the store does not answer). */
  private purge(tags: readonly string[]): void {
    if (tags.length === 0) return;
    const now = Date.now();
    for (const t of tags) this.purgedAt.set(t, now);
    const attempt = (left: number) => {
      this.options.store.purge(tags).then(
        (purged) => {
          this.stats.purged += purged;
        },
        (error: unknown) => {
          if (left > 0) setTimeout(() => attempt(left - 1), 500).unref();
          else
            this.options.logger.warn('a purge of the response cache was lost; entries expire', {
              tags: tags.length,
              error: error instanceof Error ? error.message : String(error),
            });
        },
      );
    };
    attempt(3);
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    return this.options.store.close();
  }
}

/** The response cache the settings ask for: in Redis with REDIS_URL, in-process otherwise. */
export function createResponseCache(
  settings: EdgeConfig,
  logger: Logger,
  rateLimits: RateLimits | null,
): ResponseCache | null {
  if (!settings.responseCache) return null;
  const log = logger.child({ component: 'response-cache' });
  const store = settings.redisUrl
    ? new RedisResponseStore({
        url: settings.redisUrl,
        prefix: settings.responseCachePrefix,
        logger: log,
      })
    : new MemoryResponseStore(settings.responseCacheMemoryMb * 1024 * 1024);
  const edge = {
    mode: settings.trustedDocuments,
    adminAdHoc: settings.adminAdHoc,
    manifests: settings.manifests,
    introspection: settings.introspection,
    limits: [
      settings.maxDepth,
      settings.maxAliases,
      settings.maxRootFields,
      settings.maxTokens,
      settings.maxDirectives,
      settings.maxCost,
      settings.assumedListSize,
    ],
  };
  return new ResponseCache({
    store,
    edgeVersion: sha256Hex(JSON.stringify(edge)),
    staleWhileRevalidate: settings.staleWhileRevalidateSeconds,
    rateLimit: rateLimits ? (identity) => rateLimits.consume(identity, 'query') : undefined,
    logger: log,
  });
}
