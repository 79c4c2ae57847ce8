/**
 * The store's event bus: committed changes the services announce, for every gateway replica
 * (response-cache purges, live updates). Producers publish only after the change commits: the
 * order service from its transactional outbox, the product service from its catalog change feed.
 *
 * Transport:
 *  - Redis pub/sub when REDIS_URL is set (ElastiCache): every replica of the gateway subscribes
 *    to one channel and receives every event;
 *  - otherwise an HTTP push to the gateway's internal `/internal/events` endpoint
 *    (GATEWAY_EVENTS_URL), signed with the services' shared identity secret, which is how a local
 *    `npm start` (one gateway, no Redis) gets its events;
 *  - with neither, events are dropped (logged once): caches then expire by their TTL.
 *
 * Delivery is at most once from the bus to a listener: Redis pub/sub keeps nothing for a replica
 * that is not connected at that moment, and an HTTP push that fails is not retried by the bus
 * (the outbox retries its publish, the feed publisher re-reads). Listeners are built for that:
 * cache entries have a TTL, and a live subscription starts from the current state.
 */
import type { IncomingMessage } from 'node:http';
import Redis from 'ioredis';
import { env } from './config';
import { readRawBody, sendJson, type Route } from './http';
import { IDENTITY_HEADER, identityOf, isService, serviceIdentity, signIdentity } from './identity';
import type { Logger } from './logger';

/** A product's catalog record changed (created, edited); from the catalog change feed. */
export interface ProductChanged {
  type: 'product.changed';
  productId: string;
  variantIds: string[];
  /** The product's category, and its previous one when it moved. */
  categorySlugs: string[];
  /** Its change-feed position (`<updatedAt>#<id>`): later positions are later changes. */
  position: string;
}

/** What can be sold of these variants changed (an order, a cancel, the back office). */
export interface StockChanged {
  type: 'stock.changed';
  productIds: string[];
  variantIds: string[];
}

/** An order was placed or changed status. */
export interface OrderChanged {
  type: 'order.changed';
  orderId: string;
  /** The shopper's Cognito sub; null for a guest order. */
  ownerSub: string | null;
  status: 'PAID' | 'FULFILLED' | 'CANCELLED' | 'REFUNDED';
  /** True for the event of the order's placement. */
  placed: boolean;
}

export type StoreEvent = ProductChanged | StockChanged | OrderChanged;

export type StoreEventListener = (event: StoreEvent) => void;

export interface StoreEventPublisher {
  /** Resolves once the bus has taken the event; rejects when it could not (to be retried). */
  publish(event: StoreEvent): Promise<void>;
  close(): Promise<void>;
}

export interface StoreEventSubscriber {
  /** Calls `listener` for every event from now on; returns the function that stops it. */
  subscribe(listener: StoreEventListener): () => void;
  /** For the HTTP transport: the route receiving pushed events (none for Redis). */
  readonly route: Route | null;
  close(): Promise<void>;
}

export const EVENTS_PATH = '/internal/events';

/** The environment every producer of store events reads (merged into its settings). */
export const storeEventSettings = {
  redisUrl: env.optionalUrl('REDIS_URL', ['redis', 'rediss']),
  /** Where to push events when there is no Redis: the gateway's `/internal/events`. */
  gatewayEventsUrl: env.optionalUrl('GATEWAY_EVENTS_URL'),
  /** The Redis pub/sub channel of this store's events. */
  eventsChannel: env.string('STORE_EVENTS_CHANNEL', 'store-events'),
};
const DEFAULT_CHANNEL = 'store-events';
const MAX_EVENT_BYTES = 64_000;

const strings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/** The event in `value`, or null for anything that is not one (a bus carries data, not types). */
export function parseStoreEvent(value: unknown): StoreEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'product.changed':
      return typeof v.productId === 'string' &&
        strings(v.variantIds) &&
        strings(v.categorySlugs) &&
        typeof v.position === 'string'
        ? {
            type: v.type,
            productId: v.productId,
            variantIds: v.variantIds,
            categorySlugs: v.categorySlugs,
            position: v.position,
          }
        : null;
    case 'stock.changed':
      return strings(v.productIds) && strings(v.variantIds)
        ? { type: v.type, productIds: v.productIds, variantIds: v.variantIds }
        : null;
    case 'order.changed':
      return typeof v.orderId === 'string' &&
        (v.ownerSub === null || typeof v.ownerSub === 'string') &&
        (v.status === 'PAID' ||
          v.status === 'FULFILLED' ||
          v.status === 'CANCELLED' ||
          v.status === 'REFUNDED') &&
        typeof v.placed === 'boolean'
        ? {
            type: v.type,
            orderId: v.orderId,
            ownerSub: v.ownerSub,
            status: v.status,
            placed: v.placed,
          }
        : null;
    default:
      return null;
  }
}

/** Listeners of one process; a failing listener never stops the others. */
class Listeners {
  private readonly listeners = new Set<StoreEventListener>();

  constructor(private readonly logger: Logger) {}

  add(listener: StoreEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: StoreEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error('a store event listener failed', {
          type: event.type,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
    }
  }
}

export interface StoreEventSettings {
  /** REDIS_URL: Redis pub/sub, shared by every replica. */
  redisUrl?: string;
  /** GATEWAY_EVENTS_URL: where a producer pushes events when there is no Redis. */
  gatewayEventsUrl?: string;
  /** INTERNAL_IDENTITY_SECRET: signs pushed events, and is checked on receipt. */
  identitySecret: string;
  /** The pub/sub channel; one per store (default `store-events`). */
  channel?: string;
  logger: Logger;
  /** The name producers sign pushed events with (`service:<name>`). */
  serviceName?: string;
}

/** A publisher over the configured transport. */
export function createStoreEventPublisher(settings: StoreEventSettings): StoreEventPublisher {
  const channel = settings.channel ?? DEFAULT_CHANNEL;
  if (settings.redisUrl) {
    // A publish waits for a (re)connection at most `commandTimeout`, then rejects: the caller
    // (the outbox, the feed publisher) tries again later.
    const redis = new Redis(settings.redisUrl, {
      commandTimeout: 1_000,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    });
    redis.on('error', () => undefined);
    return {
      async publish(event) {
        await redis.publish(channel, JSON.stringify(event));
      },
      async close() {
        redis.disconnect();
      },
    };
  }
  const url = settings.gatewayEventsUrl;
  if (url) {
    const identity = serviceIdentity(settings.serviceName ?? 'events');
    return {
      async publish(event) {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [IDENTITY_HEADER]: signIdentity(identity, settings.identitySecret),
          },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(2_000),
        });
        await response.arrayBuffer();
        if (!response.ok)
          throw new Error(`the gateway refused the event (HTTP ${response.status})`);
      },
      async close() {},
    };
  }
  let warned = false;
  return {
    async publish(event) {
      if (!warned) {
        warned = true;
        settings.logger.warn(
          'no event bus configured (REDIS_URL or GATEWAY_EVENTS_URL): store events are dropped',
          { type: event.type },
        );
      }
    },
    async close() {},
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readRawBody(req, MAX_EVENT_BYTES);
  if (!body) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A subscriber over the configured transport (Redis, or pushes to its own HTTP route). */
export function createStoreEventSubscriber(settings: StoreEventSettings): StoreEventSubscriber {
  const listeners = new Listeners(settings.logger);
  const channel = settings.channel ?? DEFAULT_CHANNEL;
  if (settings.redisUrl) {
    const redis = new Redis(settings.redisUrl, {
      retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    });
    let reported = 0;
    redis.on('error', (error: Error) => {
      if (Date.now() - reported < 10_000) return;
      reported = Date.now();
      settings.logger.warn('store events: Redis unavailable, reconnecting', {
        error: error.message,
      });
    });
    void redis.subscribe(channel).catch(() => undefined); // re-subscribed on every reconnect
    redis.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      let event: StoreEvent | null = null;
      try {
        event = parseStoreEvent(JSON.parse(message));
      } catch {
        event = null;
      }
      if (event) listeners.emit(event);
      else settings.logger.warn('store events: a message that is not an event was ignored');
    });
    return {
      subscribe: (listener) => listeners.add(listener),
      route: null,
      async close() {
        redis.disconnect();
      },
    };
  }
  const route: Route = async (req, res) => {
    if ((req.url ?? '').split('?')[0] !== EVENTS_PATH) return false;
    const identity = identityOf(req, settings.identitySecret);
    if (req.method !== 'POST' || !identity || !isService(identity.viewer)) {
      sendJson(res, 404, { error: 'not found' });
      return true;
    }
    const event = parseStoreEvent(await readJson(req));
    if (!event) {
      sendJson(res, 400, { error: 'not a store event' });
      return true;
    }
    listeners.emit(event);
    res.writeHead(204).end();
    return true;
  };
  return {
    subscribe: (listener) => listeners.add(listener),
    route,
    async close() {},
  };
}
