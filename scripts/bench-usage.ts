/**
 * For `npm run bench`: where a request's time goes. Reads, before and after each load case, the
 * CPU time every process of the stack has used (/proc/<pid>/stat: the gateway, each subgraph,
 * the embedded DynamoDB and PostgreSQL, Redis from its INFO), and the round trips each store
 * served: DynamoDB requests counted by the embedded DynamoDB's own process, PostgreSQL statements
 * from pg_stat_statements (transactions from pg_stat_database where it is not loaded), Redis
 * commands from INFO commandstats.
 */
import { readdirSync, readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { Client } from 'pg';

/** CPU time in clock ticks, 100 a second on Linux. */
const TICK_MS = 10;

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU (user + system) a process has used, in milliseconds. With `tree`, also what its children
 * use and have used (PostgreSQL runs a process per session; an ended one's time is in cutime).
 */
export function processCpuMs(pid: number | undefined, tree = false): number {
  if (!pid) return 0;
  const fields = statFields(pid);
  if (!fields) return 0;
  // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  let ticks = Number(fields[11]) + Number(fields[12]);
  if (tree) {
    ticks += Number(fields[13]) + Number(fields[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = statFields(Number(entry));
      if (child && Number(child[1]) === pid) ticks += Number(child[11]) + Number(child[12]);
    }
  }
  return ticks * TICK_MS;
}

export interface Probe {
  /** Column name, e.g. `gateway`, `product`, `dynamodb`. */
  name: string;
  cpuMs(): Promise<number>;
}

export const processProbe = (name: string, pid: number | undefined, tree = false): Probe => ({
  name,
  cpuMs: () => Promise.resolve(processCpuMs(pid, tree)),
});

/** Round trips a store has served so far. */
export interface Counter {
  name: string;
  /** What is counted, for the table's legend. */
  unit: string;
  count(): Promise<number>;
  close?(): Promise<void>;
}

export function dynamoCounter(counts: () => Promise<Record<string, number>>): Counter {
  return {
    name: 'DynamoDB',
    unit: 'requests',
    count: async () => Object.values(await counts()).reduce((a, b) => a + b, 0),
  };
}

/**
 * PostgreSQL statements of every session of the database (pg_stat_statements, loaded by the
 * benchmark's embedded server), or its committed and rolled-back transactions otherwise. The
 * counter's own statements are left out.
 */
export async function postgresCounter(url: string): Promise<Counter & { probe?: Probe }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const statements = await client
    .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    .then(() => client.query('SELECT 1 FROM pg_stat_statements LIMIT 1'))
    .then(
      () => true,
      () => false,
    );
  let own = 0;
  return {
    name: 'PostgreSQL',
    unit: statements ? 'statements' : 'transactions',
    async count() {
      own++;
      const { rows } = await client.query<{ n: string }>(
        statements
          ? `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`
          : `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database
             WHERE datname = current_database()`,
      );
      // Statistics reach the views when a session reports them; the counter's own query counts.
      return Number(rows[0]?.n ?? 0) - own;
    },
    close: () => client.end(),
  };
}

/** Redis commands (INFO commandstats) and CPU (INFO cpu), server-wide, less the probe's own. */
export function redisCounter(url: string): { counter: Counter; probe: Probe } {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  let own = 0;
  const info = async (section: string) => {
    own++;
    return redis.info(section);
  };
  return {
    counter: {
      name: 'Redis',
      unit: 'commands (server-wide)',
      async count() {
        const text = await info('commandstats');
        let calls = 0;
        for (const match of text.matchAll(/calls=(\d+)/g)) calls += Number(match[1]);
        return calls - own;
      },
      close: async () => void redis.disconnect(),
    },
    probe: {
      name: 'redis',
      async cpuMs() {
        const text = await info('cpu');
        const value = (key: string) => Number(new RegExp(`${key}:([\\d.]+)`).exec(text)?.[1] ?? 0);
        return (value('used_cpu_user') + value('used_cpu_sys')) * 1000;
      },
    },
  };
}

export interface Usage {
  /** CPU µs per request by probe name. */
  cpu: Record<string, number>;
  /** Round trips per request by counter name. */
  trips: Record<string, number>;
}

/** Samples every probe and counter, runs `work`, and divides the differences by its requests. */
export async function measureUsage(
  probes: readonly Probe[],
  counters: readonly Counter[],
  work: () => Promise<number>,
): Promise<Usage & { requests: number }> {
  const sample = () =>
    Promise.all([
      Promise.all(probes.map((p) => p.cpuMs())),
      Promise.all(counters.map((c) => c.count())),
    ]);
  const [cpuBefore, countsBefore] = await sample();
  const requests = await work();
  // Sessions report their statistics to the cumulative views within a moment of going idle.
  await new Promise((resolve) => setTimeout(resolve, 600));
  const [cpuAfter, countsAfter] = await sample();
  const per = (value: number) => (requests > 0 ? value / requests : 0);
  return {
    requests,
    cpu: Object.fromEntries(
      probes.map((p, i) => [p.name, per((cpuAfter[i] - cpuBefore[i]) * 1000)]),
    ),
    trips: Object.fromEntries(
      counters.map((c, i) => [c.name, per(countsAfter[i] - countsBefore[i])]),
    ),
  };
}
