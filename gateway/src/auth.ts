/**
 * Verifies the caller at the edge. A Cognito access token in `Authorization: Bearer` is checked
 * once here (signature against the pool's JWKS, issuer, expiry, token use, app client); the
 * subgraphs get a signed assertion of the result instead of the token. No token is anonymous;
 * any token that does not verify is 401 UNAUTHENTICATED, never served as anonymous.
 */
import type { IncomingMessage } from 'node:http';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';
import { HttpError } from '../../common/http';
import type { RequestIdentity } from '../../common/identity';
import type { Logger } from '../../common/logger';

export interface AuthSettings {
  userPoolId: string;
  clientId: string;
  /** Where to fetch the pool's JWKS from instead of Cognito (the local emulator). */
  jwksUrl?: string;
  /** Proxies in front of the gateway whose X-Forwarded-For entries are trusted (0: none). */
  trustedProxyHops: number;
}

/** Fetches the JWKS over plain HTTP(S) from a fixed URL, counting requests for tests. */
export class JwksFetcher implements Fetcher {
  requests = 0;

  constructor(private readonly url: string) {}

  async fetch(): Promise<ArrayBuffer> {
    this.requests++;
    const response = await fetch(this.url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`JWKS request failed with ${response.status}`);
    return response.arrayBuffer();
  }
}

const unauthenticated = () =>
  new HttpError(401, 'UNAUTHENTICATED', 'The access token is not valid. Sign in again.');

export function clientAddress(req: IncomingMessage, trustedProxyHops: number): string | null {
  if (trustedProxyHops > 0) {
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    // Each trusted proxy appends the address it saw; the one before them is the client.
    const candidate = hops[hops.length - trustedProxyHops];
    if (candidate) return candidate;
  }
  return req.socket.remoteAddress ?? null;
}

export class Authenticator {
  private readonly verifier;
  readonly jwksFetcher: JwksFetcher | undefined;

  constructor(
    private readonly settings: AuthSettings,
    private readonly logger: Logger,
  ) {
    this.jwksFetcher = settings.jwksUrl ? new JwksFetcher(settings.jwksUrl) : undefined;
    this.verifier = CognitoJwtVerifier.create(
      { userPoolId: settings.userPoolId, tokenUse: 'access', clientId: settings.clientId },
      { jwksCache: new SimpleJwksCache(this.jwksFetcher ? { fetcher: this.jwksFetcher } : {}) },
    );
  }

  /** Fetches the JWKS once at start, so the first request does not wait for it. */
  async hydrate(): Promise<void> {
    await this.verifier.hydrate();
  }

  async authenticate(req: IncomingMessage): Promise<RequestIdentity> {
    const clientIp = clientAddress(req, this.settings.trustedProxyHops);
    // Node keeps the first of repeated Authorization headers; which one a proxy honoured is
    // unknowable, so two of them are refused rather than guessed at.
    if ((req.headersDistinct.authorization?.length ?? 0) > 1) throw unauthenticated();
    return this.authenticateHeader(req.headers.authorization, clientIp);
  }

  /**
   * The same checks for an `Authorization` value that did not come as an HTTP header (a
   * WebSocket's `connection_init` payload): none is anonymous, a bad one UNAUTHENTICATED.
   */
  async authenticateHeader(
    header: string | undefined,
    clientIp: string | null,
  ): Promise<RequestIdentity> {
    if (header === undefined || header === '') return { viewer: { kind: 'anonymous' }, clientIp };
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim());
    if (!match) throw unauthenticated();
    const token = match[1];
    try {
      const payload = await this.verifier.verify(token);
      const groups = payload['cognito:groups'] ?? [];
      return {
        viewer: {
          kind: 'user',
          sub: payload.sub,
          username: payload.username,
          groups,
          isAdmin: groups.includes('admin'),
          accessToken: token,
        },
        clientIp,
      };
    } catch (error) {
      this.logger.debug('token refused', {
        reason: error instanceof Error ? error.message : String(error),
      });
      throw unauthenticated();
    }
  }
}
