/**
 * The one request context of every subgraph: who is calling, whole as the gateway (or a calling
 * service) asserted it, and this request's DataLoaders. The subgraph's server builds it once per
 * request; every service call takes it first. Services themselves are not in it: resolvers get
 * them when they are constructed (see `buildFederatedSchema`).
 */
import type { RequestIdentity } from './identity';

export interface RequestContext<TLoaders extends object = object> {
  /** The caller's identity: viewer and client address. Passed on whole to any service called. */
  readonly identity: RequestIdentity;
  /** This request's loaders: the per-request memo and batcher, never shared between requests. */
  readonly loaders: TLoaders;
}

/** A context with no loaders, for services that read nothing per request (tests, jobs). */
export const contextOf = (identity: RequestIdentity): RequestContext => ({ identity, loaders: {} });
