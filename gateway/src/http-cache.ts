/**
 * HTTP caching for browsers and the CDN: `Cache-Control`, `ETag`, conditional GETs, `Vary`, the
 * `Cache-Tag` list a CDN purges by, and `Cache-Status` (RFC 9211), which says what the gateway's
 * own cache did with the request.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '../../common/http';

/** This cache's name in `Cache-Status`. */
export const CACHE_NAME = 'storefront-gateway';

/** Why the gateway's cache did not serve a response (RFC 9211 `fwd`). */
export type Forward = 'uri-miss' | 'bypass' | 'method';

/** `storefront-gateway; hit; ttl=42` */
export const hitStatus = (ttl: number) => `${CACHE_NAME}; hit; ttl=${ttl}`;

/** `storefront-gateway; fwd=uri-miss; stored; ttl=60`, `…; fwd=bypass; detail=private` */
export function forwardStatus(
  forward: Forward,
  extra: { stored?: boolean; ttl?: number; detail?: string } = {},
): string {
  let status = `${CACHE_NAME}; fwd=${forward}`;
  if (extra.stored) status += '; stored';
  if (extra.ttl !== undefined) status += `; ttl=${extra.ttl}`;
  if (extra.detail) status += `; detail=${extra.detail}`;
  return status;
}

/** What a shared cache may do with a public response for `maxAge` seconds. */
export function publicCacheControl(maxAge: number, staleWhileRevalidate: number): string {
  const stale = staleWhileRevalidate > 0 ? `, stale-while-revalidate=${staleWhileRevalidate}` : '';
  return `public, max-age=${maxAge}, s-maxage=${maxAge}${stale}`;
}

/** Anything of the viewer, an error or an uncacheable answer: kept by no cache. */
export const PRIVATE_CACHE_CONTROL = 'private, no-store';

/** A weak validator of the body (weak: the bytes on the wire differ once compressed). */
export function etagOf(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}

/** Adds `names` to the response's `Vary` without dropping what is already there. */
export function mergeVary(existing: unknown, ...names: string[]): string {
  const seen = new Map<string, string>();
  const current = Array.isArray(existing) ? existing.join(',') : String(existing ?? '');
  for (const name of [...current.split(','), ...names]) {
    const trimmed = name.trim();
    if (trimmed) seen.set(trimmed.toLowerCase(), trimmed.toLowerCase());
  }
  return [...seen.values()].join(', ');
}

/** Every /graphql answer says what the cache did, refusals before GraphQL included. */
export function cacheStatusRoute(path: string): Route {
  return (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '/').split('?')[0] === path)
      res.setHeader('cache-status', forwardStatus('bypass'));
    return false;
  };
}
