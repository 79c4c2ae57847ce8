/**
 * Who is calling, as the subgraphs learn it. The gateway verifies the Cognito token once and
 * sends every subgraph a short-lived assertion of the caller's identity, signed with a secret only
 * the gateway and the subgraphs hold (HMAC-SHA256). A subgraph trusts nothing else: no client
 * header, no token of its own checking. Anonymous callers get an anonymous assertion.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errors } from './errors';

/** The header that carries the assertion from the gateway to a subgraph. */
export const IDENTITY_HEADER = 'x-store-identity';

export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      /** Cognito `sub`: the stable user id. */
      sub: string;
      /** Cognito `username` claim. */
      username: string;
      /** Cognito groups (`cognito:groups`). */
      groups: string[];
      /** Member of the `admin` group. */
      isAdmin: boolean;
      /** The access token itself, for calls to Cognito on the user's behalf (sign-out). */
      accessToken: string;
    };

export interface RequestIdentity {
  viewer: Viewer;
  /** The client's address as the gateway saw it (for rate limits); null when unknown. */
  clientIp: string | null;
}

export const anonymous: RequestIdentity = { viewer: { kind: 'anonymous' }, clientIp: null };

interface AssertionPayload extends RequestIdentity {
  /** Expiry, seconds since the epoch. */
  exp: number;
  aud: 'store-subgraphs';
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function signIdentity(identity: RequestIdentity, secret: string, ttlSeconds = 60): string {
  const payload: AssertionPayload = {
    viewer: identity.viewer,
    clientIp: identity.clientIp,
    exp: Math.floor(Date.now() / 1000) + ttlSeconds,
    aud: 'store-subgraphs',
  };
  const body = b64(JSON.stringify(payload));
  return `${body}.${sign(body, secret)}`;
}

function isViewer(value: unknown): value is Viewer {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.kind === 'anonymous') return true;
  return (
    v.kind === 'user' &&
    typeof v.sub === 'string' &&
    typeof v.username === 'string' &&
    Array.isArray(v.groups) &&
    v.groups.every((g) => typeof g === 'string') &&
    typeof v.isAdmin === 'boolean' &&
    typeof v.accessToken === 'string'
  );
}

/** The identity in a valid, unexpired assertion, or null for anything else. */
export function verifyIdentity(token: string | undefined, secret: string): RequestIdentity | null {
  if (!token) return null;
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let payload: Partial<AssertionPayload>;
  try {
    payload = JSON.parse(
      Buffer.from(body, 'base64url').toString('utf8'),
    ) as Partial<AssertionPayload>;
  } catch {
    return null;
  }
  if (payload.aud !== 'store-subgraphs') return null;
  if (typeof payload.exp !== 'number' || payload.exp < Date.now() / 1000) return null;
  if (!isViewer(payload.viewer)) return null;
  const clientIp = typeof payload.clientIp === 'string' ? payload.clientIp : null;
  return { viewer: payload.viewer, clientIp };
}

/** For subgraphs: the identity the gateway asserted for this request, or null when there is none. */
export function identityOf(req: IncomingMessage, secret: string): RequestIdentity | null {
  const header = req.headers[IDENTITY_HEADER];
  return verifyIdentity(Array.isArray(header) ? header[0] : header, secret);
}

/**
 * Another service of the store calling on its own behalf (for example the cart service looking up
 * a shopper's email for a reminder). Such identities are only ever minted by our services with the
 * shared secret; a Cognito user cannot be one, since Cognito subs are UUIDs, never `service:…`.
 */
export function serviceIdentity(name: string): RequestIdentity {
  const sub = `service:${name}`;
  return {
    viewer: {
      kind: 'user',
      sub,
      username: sub,
      groups: ['service'],
      isAdmin: false,
      accessToken: '',
    },
    clientIp: null,
  };
}

export function isService(viewer: Viewer): boolean {
  return (
    viewer.kind === 'user' && viewer.sub.startsWith('service:') && viewer.groups.includes('service')
  );
}

/** The signed-in user, or UNAUTHENTICATED. */
export function requireUser(viewer: Viewer): Extract<Viewer, { kind: 'user' }> {
  if (viewer.kind !== 'user') throw errors.unauthenticated();
  return viewer;
}

/** A signed-in admin; UNAUTHENTICATED for anonymous callers, FORBIDDEN for other users. */
export function requireAdmin(viewer: Viewer): Extract<Viewer, { kind: 'user' }> {
  const user = requireUser(viewer);
  if (!user.isAdmin) throw errors.forbidden('Only administrators can do this.');
  return user;
}

/**
 * Another service of the store or an admin, for internal operations (the catalog feed, events
 * from the outbox); UNAUTHENTICATED for anonymous callers, FORBIDDEN for shoppers.
 */
export function requireServiceOrAdmin(
  viewer: Viewer,
  message = 'Only the services of the store and administrators can do this.',
): Extract<Viewer, { kind: 'user' }> {
  const user = requireUser(viewer);
  if (!user.isAdmin && !isService(user)) throw errors.forbidden(message);
  return user;
}
