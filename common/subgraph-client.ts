/**
 * Calls another subgraph of the store directly (not through the gateway), with an identity
 * assertion signed like the gateway signs it: the subgraph trusts nothing else.
 */
import { IDENTITY_HEADER, signIdentity, type RequestIdentity } from './identity';
import { propagationHeaders } from './request-scope';

export interface SubgraphEndpoint {
  /**
   * The subgraph's GraphQL endpoint, for example PRODUCT_SUBGRAPH_URL. Read at every call, so a
   * getter can supply a URL known only later (a test stack on free ports).
   */
  readonly url: string;
  /** INTERNAL_IDENTITY_SECRET, shared with the gateway and the other subgraphs. */
  identitySecret: string;
  timeoutMs?: number;
}

/** The subgraph could not be reached, refused, or answered with errors. */
export class SubgraphCallError extends Error {
  constructor(
    readonly service: string,
    reason: string,
    /** What the service's first error said, for the logs (never for clients). */
    replied?: string,
  ) {
    super(
      `the ${service} service did not answer (${reason})` +
        (replied ? `; it replied ${replied.slice(0, 300)}` : ''),
    );
    this.name = 'SubgraphCallError';
  }
}

interface GraphQLReply<T> {
  data?: T | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

/** Posts one operation and returns its `data`; any error in the reply is a SubgraphCallError. */
export async function callSubgraph<T>(
  service: string,
  endpoint: SubgraphEndpoint,
  identity: RequestIdentity,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: signIdentity(identity, endpoint.identitySecret),
        // The request's trace and id, when the call is made while handling one.
        ...propagationHeaders(),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(endpoint.timeoutMs ?? 5_000),
    });
  } catch (error) {
    throw new SubgraphCallError(service, error instanceof Error ? error.message : String(error));
  }
  let reply: GraphQLReply<T>;
  try {
    reply = (await response.json()) as GraphQLReply<T>;
  } catch {
    reply = {};
  }
  if (!response.ok || reply.errors?.length || !reply.data) {
    const first = reply.errors?.[0];
    const code = first?.extensions?.code ?? `HTTP ${response.status}`;
    throw new SubgraphCallError(
      service,
      code,
      first?.message ? `${first.extensions?.code ?? 'ERROR'}: ${first.message}` : undefined,
    );
  }
  return reply.data;
}
