/** For `npm run bench`: the tables it prints. */
import type { Usage } from './bench-usage';

export interface Result extends Usage {
  operation: string;
  gateway: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const num = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const cell = (text: string, width: number) => text.padStart(width);

export function resultsTable(results: readonly Result[]): string[] {
  const lines = [
    'operation             gateway        req/s   p50 ms   p99 ms   errors   gateway CPU µs/req',
  ];
  for (const r of results) {
    lines.push(
      r.operation.padEnd(22) +
        r.gateway.padEnd(11) +
        cell(num(r.rps), 9) +
        cell(String(r.p50), 9) +
        cell(String(r.p99), 9) +
        cell(String(r.errors), 9) +
        cell(num(r.cpu.gateway ?? 0), 21),
    );
  }
  return lines;
}

/** ours / peer for each peer that ran: req/s (higher is better) and gateway CPU (lower is). */
export function ratioTable(results: readonly Result[], operations: readonly string[]): string[] {
  const peers = ['vanilla', 'hive', 'hive-rust'].filter((p) =>
    results.some((r) => r.gateway === p),
  );
  if (peers.length === 0) return [];
  const lines = [
    `ratio ours/peer       ${peers.map((p) => `${`req/s ${p}`.padStart(16)}${`CPU ${p}`.padStart(16)}`).join('')}`,
  ];
  for (const operation of operations) {
    const ours = results.find((r) => r.operation === operation && r.gateway === 'ours');
    if (!ours) continue;
    let line = operation.padEnd(22);
    for (const peer of peers) {
      const other = results.find((r) => r.operation === operation && r.gateway === peer);
      line += other
        ? cell(num(ours.rps / other.rps, 2), 16) +
          cell(num((ours.cpu.gateway ?? 0) / (other.cpu.gateway ?? 0), 2), 16)
        : cell('-', 16) + cell('-', 16);
    }
    lines.push(line);
  }
  return lines;
}

/**
 * For one gateway's cases: CPU µs per request of every process, their sum, and store round
 * trips per request. The load generator (this process, autocannon) is shown apart from the sum.
 */
export function whereTheTimeGoes(
  results: readonly Result[],
  gateway: string,
  counters: readonly { name: string; unit: string }[],
): string[] {
  const rows = results.filter((r) => r.gateway === gateway);
  if (rows.length === 0) return [];
  const processes = Object.keys(rows[0].cpu).filter((name) => name !== 'load');
  const width = Math.max(9, ...processes.map((p) => p.length + 2));
  const lines = [
    `where the time goes through ${gateway}: CPU µs per request by process, and store round trips per request`,
    ' '.repeat(22) +
      processes.map((p) => cell(p, width)).join('') +
      cell('all', 9) +
      cell('(load)', 9) +
      counters.map((c) => cell(c.name, 12)).join(''),
  ];
  for (const r of rows) {
    const all = processes.reduce((sum, p) => sum + (r.cpu[p] ?? 0), 0);
    lines.push(
      r.operation.padEnd(22) +
        processes.map((p) => cell(num(r.cpu[p] ?? 0), width)).join('') +
        cell(num(all), 9) +
        cell(num(r.cpu.load ?? 0), 9) +
        counters.map((c) => cell(num(r.trips[c.name] ?? NaN, 2), 12)).join(''),
    );
  }
  if (gateway === 'ours')
    lines.push(
      `round trips: ${counters.map((c) => `${c.name} ${c.unit}`).join(', ')}; (load) is the load generator, not in "all"`,
    );
  return lines;
}

export function edgeTable(results: readonly Result[], operations: readonly string[]): string[] {
  return costTable(results, operations, 'the edge checks', 'unchecked');
}

/** What the access log and the request metrics cost: ours against ours without them. */
export function observabilityTable(
  results: readonly Result[],
  operations: readonly string[],
): string[] {
  return costTable(results, operations, 'access log + metrics', 'unobserved');
}

/** p50 and gateway CPU per request of ours with and without one part (`other` is ours without it). */
function costTable(
  results: readonly Result[],
  operations: readonly string[],
  title: string,
  other: string,
): string[] {
  const lines = [`${title.padEnd(22)}p50 ms with/without   gateway CPU µs/req with/without (cost)`];
  for (const operation of operations) {
    const a = results.find((r) => r.operation === operation && r.gateway === 'ours');
    const b = results.find((r) => r.operation === operation && r.gateway === other);
    if (!a || !b) continue;
    const [withPart, without] = [a.cpu.gateway ?? 0, b.cpu.gateway ?? 0];
    const cost = withPart - without;
    lines.push(
      operation.padEnd(22) +
        cell(`${a.p50} / ${b.p50}`, 14) +
        cell(`${num(withPart)} / ${num(without)} (${cost >= 0 ? '+' : ''}${num(cost)})`, 32),
    );
  }
  return lines;
}
