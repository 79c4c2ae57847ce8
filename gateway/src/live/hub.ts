/**
 * The subscriptions of one gateway process, grouped: a group is every subscriber with the same
 * plan key (selection, variables, visibility). On each store event the groups it concerns run
 * their event query once, through the gateway like any query, and hand the one result to each of
 * their subscribers. A group runs its events one after the other, in the order the bus delivered
 * them (commit order per entity), so events never overtake each other.
 *
 * The first event of a subscription is the current state: a query at subscribe time (shared by
 * subscribers of a group who arrive while it runs). A subscriber gets every event query the
 * group started after its first one did, so it is never handed a state older than its first.
 */
import type { ExecutionResult, GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { RequestIdentity } from '../../../common/identity';
import type { Logger } from '../../../common/logger';
import type { StoreEvent } from '../../../common/store-events';
import type { LivePlan } from './plan';

/** What a subscriber is handed: a GraphQL result with the subscription's data. */
export type LiveResult = ExecutionResult<Record<string, unknown>>;

/** Runs a query through the gateway (the supergraph) as `identity`. */
export type RunQuery = (
  query: string,
  variables: Record<string, unknown>,
  identity: RequestIdentity,
) => Promise<LiveResult>;

/** Event ids a group may have waiting; beyond it, repeats of a waiting id are merged. */
const MAX_GROUP_BACKLOG = 1_000;
/** How long a first result stays shareable when no event came since. */
const INITIAL_REUSE_MS = 1_000;

type Ending = { reason: 'overflow' | 'ended' | 'refused'; errors?: GraphQLError[] };

/** One subscription: an async iterator of its events, with a bounded buffer. */
export class Subscriber implements AsyncIterableIterator<LiveResult> {
  private buffer: { result: LiveResult; text: string }[] = [];
  private waiting: ((result: IteratorResult<LiveResult>) => void) | null = null;
  private finished = false;
  /** The group's event queries up to this one are older than this subscriber's first event. */
  after = 0;
  group: Group | null = null;
  private last: string | null = null;

  constructor(
    private readonly maxBuffer: number,
    /** Called once when it ends: the subscriber left, was cut off, or the gateway stops. */
    private readonly onEnd: (ending: Ending) => void,
  ) {}

  get pending(): number {
    return this.buffer.length;
  }

  get done(): boolean {
    return this.finished;
  }

  /**
   * Hands it an event. `text` is the event's JSON, shared by the group: an event identical to
   * the last one this subscriber got (a change it already saw, announced late) is not repeated.
   */
  push(result: LiveResult, text: string, first = false): void {
    if (this.finished) return;
    if (first) {
      // Events that came while the first query ran and show the same state are not news.
      let i = 0;
      while (i < this.buffer.length && this.buffer[i].text === text) i++;
      this.buffer = [{ result, text }, ...this.buffer.slice(i)];
      this.last = this.buffer[this.buffer.length - 1].text;
      return;
    }
    if (text === this.last) return;
    this.last = text;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: result, done: false });
      return;
    }
    this.buffer.push({ result, text });
    if (this.buffer.length > this.maxBuffer) this.end({ reason: 'overflow' });
  }

  /** Ends it (idempotent): it leaves its group and the iterator completes. */
  end(ending: Ending = { reason: 'ended' }): void {
    if (this.finished) return;
    this.finished = true;
    this.buffer.length = 0;
    this.group?.leave(this);
    this.waiting?.({ value: undefined, done: true });
    this.waiting = null;
    this.onEnd(ending);
  }

  next(): Promise<IteratorResult<LiveResult>> {
    const entry = this.buffer.shift();
    if (entry) return Promise.resolve({ value: entry.result, done: false });
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<LiveResult>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<LiveResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LiveResult> {
    return this;
  }
}

const unwrapFeed = (plan: LivePlan, result: LiveResult): LiveResult | null => {
  if (plan.kind !== 'feed') return result;
  const root = result.data?.[plan.responseKey] as { nodes?: unknown[] } | null | undefined;
  const newest = root?.nodes?.[0];
  if (!newest) return result.errors ? { data: null, errors: result.errors } : null;
  return {
    data: { [plan.responseKey]: newest },
    ...(result.errors ? { errors: result.errors } : {}),
  };
};

/** Subscribers who share a plan key, and the queue of events they wait for. */
export class Group {
  readonly subscribers = new Set<Subscriber>();
  /** Event queries started so far. */
  private started = 0;
  private readonly backlog: string[] = [];
  private running = false;
  private initial: { seq: number; at: number; result: Promise<LiveResult> } | null = null;

  constructor(
    readonly plan: LivePlan,
    private readonly run: RunQuery,
    private readonly logger: Logger,
    private readonly onEmpty: (group: Group) => void,
  ) {}

  /** Adds a subscriber and returns its first event (null: the feed has no order yet). */
  async join(subscriber: Subscriber): Promise<LiveResult | null> {
    subscriber.group = this;
    this.subscribers.add(subscriber);
    const reusable =
      this.initial &&
      this.initial.seq === this.started &&
      Date.now() - this.initial.at < INITIAL_REUSE_MS;
    if (!reusable || !this.initial) {
      const { plan } = this;
      const variables = plan.entityId
        ? { ...plan.variables, [plan.idVariable]: plan.entityId }
        : plan.variables;
      this.initial = {
        seq: this.started,
        at: Date.now(),
        result: this.run(plan.initialQuery, variables, plan.identity),
      };
    }
    subscriber.after = this.initial.seq;
    return unwrapFeed(this.plan, await this.initial.result);
  }

  leave(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.onEmpty(this);
  }

  /** An event for this group: `id` is the product or order to query. */
  enqueue(id: string): void {
    if (this.backlog.length >= MAX_GROUP_BACKLOG && this.backlog.includes(id)) return;
    this.backlog.push(id);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let id = this.backlog.shift(); id !== undefined; id = this.backlog.shift()) {
        if (this.subscribers.size === 0) break;
        const seq = ++this.started;
        const { plan } = this;
        let result: LiveResult;
        try {
          result = await this.run(
            plan.eventQuery,
            { ...plan.variables, [plan.idVariable]: id },
            plan.identity,
          );
        } catch (error) {
          this.logger.error('a live update query failed', {
            kind: plan.kind,
            error: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        // An order that no longer resolves for the feed (or a product gone) is not an event.
        if (result.data?.[plan.responseKey] == null && !result.errors) continue;
        const text = JSON.stringify(result);
        for (const subscriber of this.subscribers)
          if (subscriber.after < seq) subscriber.push(result, text);
      }
    } finally {
      this.running = false;
      if (this.subscribers.size === 0) this.backlog.length = 0;
      else if (this.backlog.length > 0) void this.drain();
    }
  }
}

/** Every group of the process, indexed by what their events are about. */
export class LiveHub {
  private readonly groups = new Map<string, Group>();
  private readonly byEntity = new Map<string, Set<Group>>();
  private readonly feeds = new Set<Group>();
  /** The catalog's last feed position per product (a change may be announced twice). */
  private readonly positions = new LRUCache<string, string>({ max: 50_000 });
  private count = 0;

  constructor(
    private readonly run: RunQuery,
    private readonly logger: Logger,
  ) {}

  /** Live subscriptions in this hub. */
  get size(): number {
    return this.count;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  private entityKey(kind: 'product' | 'order', id: string): string {
    return `${kind}:${id}`;
  }

  /**
   * Subscribes to a plan: resolves with the first event (or null when there is none yet). The
   * subscriber's `onEnd` fires when it ends, however that happens.
   */
  async subscribe(plan: LivePlan, subscriber: Subscriber): Promise<LiveResult | null> {
    let group = this.groups.get(plan.key);
    if (!group) {
      group = new Group(plan, this.run, this.logger, (g) => this.drop(g));
      this.groups.set(plan.key, group);
      if (plan.kind === 'feed') this.feeds.add(group);
      else {
        const key = this.entityKey(plan.kind, plan.entityId ?? '');
        const set = this.byEntity.get(key) ?? new Set<Group>();
        set.add(group);
        this.byEntity.set(key, set);
      }
    }
    this.count++;
    return group.join(subscriber);
  }

  /** Called once per subscriber when it ends. */
  released(): void {
    this.count--;
  }

  private drop(group: Group): void {
    if (this.groups.get(group.plan.key) !== group) return;
    this.groups.delete(group.plan.key);
    this.feeds.delete(group);
    const key = this.entityKey(
      group.plan.kind === 'product' ? 'product' : 'order',
      group.plan.entityId ?? '',
    );
    const set = this.byEntity.get(key);
    set?.delete(group);
    if (set?.size === 0) this.byEntity.delete(key);
  }

  private each(kind: 'product' | 'order', id: string, fn: (group: Group) => void): void {
    for (const group of this.byEntity.get(this.entityKey(kind, id)) ?? []) fn(group);
  }

  /** A store event: every group it concerns queries once. */
  dispatch = (event: StoreEvent): void => {
    switch (event.type) {
      case 'stock.changed':
        for (const id of new Set(event.productIds)) this.each('product', id, (g) => g.enqueue(id));
        return;
      case 'product.changed': {
        const last = this.positions.get(event.productId);
        if (last !== undefined && last >= event.position) return;
        this.positions.set(event.productId, event.position);
        this.each('product', event.productId, (g) => g.enqueue(event.productId));
        return;
      }
      case 'order.changed':
        this.each('order', event.orderId, (g) => g.enqueue(event.orderId));
        if (event.placed) for (const group of this.feeds) group.enqueue(event.orderId);
        return;
    }
  };

  /** Ends every subscription (shutdown). */
  endAll(): void {
    for (const group of [...this.groups.values()])
      for (const subscriber of [...group.subscribers]) subscriber.end();
  }
}
