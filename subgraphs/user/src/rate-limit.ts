/**
 * Sign-in attempts counted in the shared cache, per email address and per client address, so
 * that every replica sees the same counts. Keys hold a hash of the email, not the address itself.
 * Like the cache, the limiter fails open: when the cache does not answer, attempts are allowed.
 */
import { createHash } from 'node:crypto';
import type { SharedCache } from '../../../common/cache';

export interface SignInLimits {
  /** Attempts allowed per window for one email address. */
  perEmail: number;
  /** Attempts allowed per window from one client address (higher: many shoppers share a NAT). */
  perIp: number;
  windowSeconds: number;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

export class SignInLimiter {
  constructor(
    private readonly cache: SharedCache,
    private readonly limits: SignInLimits,
  ) {}

  private keys(email: string, clientIp: string | null): [string, number][] {
    const keys: [string, number][] = [[`email:${digest(email)}`, this.limits.perEmail]];
    if (clientIp) keys.push([`ip:${clientIp}`, this.limits.perIp]);
    return keys;
  }

  /** Counts an attempt; false when the email or the client address is past the limit. */
  async admit(email: string, clientIp: string | null): Promise<boolean> {
    const keys = this.keys(email, clientIp);
    const counts = await Promise.all(
      keys.map(([key]) => this.cache.increment(key, this.limits.windowSeconds)),
    );
    return counts.every((count, i) => count === null || count <= keys[i][1]);
  }

  /** After a successful sign-in: the email's failed attempts no longer count. */
  async reset(email: string): Promise<void> {
    await this.cache.delete([`email:${digest(email)}`]);
  }
}
