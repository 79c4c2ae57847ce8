/**
 * The outbox's backlog as metrics: events not yet delivered (`order_outbox_backlog`), the age of
 * the oldest of them (`order_outbox_oldest_age_seconds`, 0 when none waits; the alarm in
 * deploy/ watches it) and events parked for an operator (`order_outbox_parked`, which the age
 * leaves out: a parked event waits for a person, not for the dispatcher). Read from the table
 * when the metrics are collected, at most once a second.
 */
import type { Pool } from 'pg';
import { gauge } from '../../../../common/metrics';
import { schemaName } from './outbox.repository';

interface Backlog {
  waiting: number;
  parked: number;
  oldestSeconds: number;
}

const watched = new Map<Pool, string>();
let snapshot: { at: number; value: Promise<Backlog> } | null = null;

async function readBacklog(pool: Pool, schema: string): Promise<Backlog> {
  const { rows } = await pool.query<{ waiting: string; parked: string; oldest: number | null }>(
    `SELECT count(*) FILTER (WHERE available_at <> 'infinity') AS waiting,
            count(*) FILTER (WHERE available_at = 'infinity') AS parked,
            EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE available_at <> 'infinity'))::float8 AS oldest
       FROM ${schemaName(schema)}.outbox
      WHERE delivered_at IS NULL`,
  );
  const row = rows[0];
  return {
    waiting: Number(row?.waiting ?? 0),
    parked: Number(row?.parked ?? 0),
    oldestSeconds: Math.max(0, row?.oldest ?? 0),
  };
}

/** Every watched outbox's backlog added up (the oldest age is the oldest of all). */
function backlog(): Promise<Backlog> {
  const now = Date.now();
  if (!snapshot || now - snapshot.at > 1_000) {
    const reads = [...watched].map(([pool, schema]) => readBacklog(pool, schema));
    snapshot = {
      at: now,
      value: Promise.all(reads).then((all) => ({
        waiting: all.reduce((n, b) => n + b.waiting, 0),
        parked: all.reduce((n, b) => n + b.parked, 0),
        oldestSeconds: Math.max(0, ...all.map((b) => b.oldestSeconds)),
      })),
    };
  }
  return snapshot.value;
}

const service = 'order';
const reported = (read: (b: Backlog) => number) =>
  async function collect(this: ReturnType<typeof gauge<'service'>>) {
    if (watched.size === 0) return;
    this.set({ service }, read(await backlog()));
  };

gauge(
  'order_outbox_backlog',
  'Outbox events not yet delivered (parked ones left out).',
  ['service'],
  reported((b) => b.waiting),
);
gauge(
  'order_outbox_oldest_age_seconds',
  'Age of the oldest outbox event not yet delivered; 0 when none is waiting.',
  ['service'],
  reported((b) => b.oldestSeconds),
);
gauge(
  'order_outbox_parked',
  'Outbox events that cannot be delivered as they are, waiting for an operator.',
  ['service'],
  reported((b) => b.parked),
);

/** Reports this outbox in the metrics until the returned function is called. */
export function watchOutbox(pool: Pool, schema: string): () => void {
  watched.set(pool, schema);
  snapshot = null;
  return () => {
    watched.delete(pool);
    snapshot = null;
  };
}
