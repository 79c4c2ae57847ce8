/**
 * Rate limits per client address and per signed-in shopper, with rate-limiter-flexible: in Redis
 * when REDIS_URL is set (so every gateway replica counts against the same budget), in-process
 * otherwise. When Redis does not answer, an in-process limiter with the same budget takes over
 * (the limits hold per replica rather than failing requests). A mutation weighs more than a
 * query. Beyond a budget: HTTP 429 with `Retry-After` and RATE_LIMITED.
 */
import Redis from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { HttpError } from '../../common/http';
import type { RequestIdentity } from '../../common/identity';
import type { Logger } from '../../common/logger';

export interface RateLimitSettings {
  /** Points per window per client address (0: no limit). */
  perAddress: number;
  /** Points per window per signed-in shopper (0: no limit). */
  perShopper: number;
  windowSeconds: number;
  /** Points a mutation takes; a query or subscription takes 1. */
  mutationWeight: number;
  /** Prefix of the Redis keys. */
  prefix: string;
  redisUrl?: string;
}

export class RateLimits {
  private readonly redis: Redis | null;
  private readonly perAddress: RateLimiterAbstract | null;
  private readonly perShopper: RateLimiterAbstract | null;

  constructor(
    private readonly settings: RateLimitSettings,
    logger: Logger,
  ) {
    this.redis = settings.redisUrl
      ? new Redis(settings.redisUrl, {
          // Fail fast to the in-process limiter rather than queueing behind a lost connection.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: 2_000,
        })
      : null;
    this.redis?.on('error', (error: Error) =>
      logger.warn('rate limit store unavailable; limiting in-process', { error: error.message }),
    );
    this.perAddress = this.limiter('address', settings.perAddress);
    this.perShopper = this.limiter('shopper', settings.perShopper);
  }

  private limiter(kind: string, points: number): RateLimiterAbstract | null {
    if (points <= 0) return null;
    const base = { points, duration: this.settings.windowSeconds };
    const memory = new RateLimiterMemory({ ...base, keyPrefix: `${this.settings.prefix}${kind}` });
    if (!this.redis) return memory;
    return new RateLimiterRedis({
      ...base,
      storeClient: this.redis,
      keyPrefix: `${this.settings.prefix}${kind}`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  }

  /** Takes the request's points from each budget it counts against; throws 429 when one is spent. */
  async consume(identity: RequestIdentity, operation: string): Promise<void> {
    const points = operation === 'mutation' ? this.settings.mutationWeight : 1;
    const takes: Promise<unknown>[] = [];
    if (this.perAddress && identity.clientIp)
      takes.push(this.perAddress.consume(identity.clientIp, points));
    if (this.perShopper && identity.viewer.kind === 'user')
      takes.push(this.perShopper.consume(identity.viewer.sub, points));
    const results = await Promise.allSettled(takes);
    let retryMs = 0;
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      // A store error with no insurance left would land here too: let the request through.
      if (result.reason instanceof RateLimiterRes)
        retryMs = Math.max(retryMs, result.reason.msBeforeNext);
    }
    if (retryMs > 0) {
      const seconds = Math.max(1, Math.ceil(retryMs / 1000));
      throw new HttpError(
        429,
        'RATE_LIMITED',
        `Too many requests. Try again in ${seconds} seconds.`,
        { 'retry-after': String(seconds) },
      );
    }
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
