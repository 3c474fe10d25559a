/** The load benchmark's arithmetic and tables: per phase, from what the clients saw and what /proc said. */
import { fmt, int, quantile, sortedCopy, table } from '../support/stats.js';
import type { ProctorsReceipts } from './proctors.js';
import { KINDS } from './kinds.js';
import type { PhaseResult } from './takers.js';

/** What the main thread read of the machine over one phase. */
export interface Usage {
  /** Per node: CPU ms of the whole process and of its main thread, peak RSS (MB). */
  readonly nodes: ReadonlyArray<{ readonly processMs: number; readonly mainThreadMs: number; readonly rssMb: number }>;
  /** CPU ms of the PostgreSQL processes serving the database (NaN: embedded PGlite or not visible). */
  readonly postgresMs: number;
  readonly wallMs: number;
  /** The machine's 1-minute load average at the phase's end. */
  readonly load: number;
}

/** A phase as measured: what the test-takers did and saw, and what it cost the servers. */
export interface PhaseRow {
  readonly label: string;
  readonly takers: PhaseResult | null;
  /** Requests other than the test-takers' (the proctors' list reads), and their failures. */
  readonly otherRequests: number;
  readonly otherErrors: readonly string[];
  readonly usage: Usage;
}

/** Violation sent → its change on the proctor's own list, per phase: latencies (ms) and how many never arrived. */
export function deliveries(rows: readonly PhaseRow[], receipts: ProctorsReceipts): Array<{ latencies: Float64Array; missing: number }> {
  const bySession = new Map<number, number[]>();
  for (let k = 0; k < receipts.session.length; k++) {
    let list = bySession.get(receipts.session[k]);
    if (!list) bySession.set(receipts.session[k], (list = []));
    list.push(k);
  }
  return rows.map(({ takers }) => {
    if (!takers) return { latencies: new Float64Array(0), missing: 0 };
    const { session, version, sentAt } = takers.violations;
    const latencies: number[] = [];
    let missing = 0;
    for (let v = 0; v < session.length; v++) {
      // The first change of that session's row at or after the violation's version: the proctor's screen shows it.
      const hit = (bySession.get(session[v]) ?? []).find((k) => receipts.version[k] >= version[v] && receipts.at[k] >= sentAt[v]);
      if (hit === undefined) missing += 1;
      else latencies.push(receipts.at[hit] - sentAt[v]);
    }
    return { latencies: sortedCopy(latencies), missing };
  });
}

function allLatencies(r: PhaseResult | null): Float64Array {
  if (!r) return new Float64Array(0);
  return sortedCopy(KINDS.flatMap((k) => Array.from(r.latencies[k] ?? [])));
}

const pct = (ms: number, wall: number) => `${fmt((100 * ms) / wall, 0)} %`;

/** The main table: one row per phase, nodes summed. */
export function phaseTable(rows: readonly PhaseRow[], delivered: ReturnType<typeof deliveries>): string {
  return table(
    ['phase', 's', 'req/s', 'HTTP p50', 'p99', 'viol→proctor p50', 'p99', 'max', 'n', 'node CPU', 'main thr.', 'ms/req', 'RSS MB', 'PG CPU', 'errors', 'load'],
    rows.map((row, i) => {
      const lat = allLatencies(row.takers);
      const requests = lat.length + row.otherRequests;
      const wall = row.usage.wallMs;
      const sum = (f: (n: Usage['nodes'][number]) => number) => row.usage.nodes.reduce((a, n) => a + f(n), 0);
      const d = delivered[i];
      const errors = (row.takers?.failures ?? 0) + (row.takers?.stale ?? 0) + row.otherErrors.length + d.missing;
      return [
        row.label, fmt(wall / 1000, 0), fmt(requests / (wall / 1000), 1), fmt(quantile(lat, 0.5)), fmt(quantile(lat, 0.99)),
        fmt(quantile(d.latencies, 0.5)), fmt(quantile(d.latencies, 0.99)), fmt(d.latencies.length ? d.latencies[d.latencies.length - 1] : NaN), int(d.latencies.length),
        pct(sum((n) => n.processMs), wall), pct(sum((n) => n.mainThreadMs), wall), fmt(sum((n) => n.mainThreadMs) / requests, 2),
        int(Math.max(...row.usage.nodes.map((n) => n.rssMb))), Number.isFinite(row.usage.postgresMs) ? pct(row.usage.postgresMs, wall) : '–',
        String(errors), fmt(row.usage.load, 2),
      ];
    }),
  );
}

/** Each node's share, per phase (several nodes only). */
export function nodeTable(rows: readonly PhaseRow[], urls: readonly string[]): string {
  return table(
    ['phase', 'node', 'CPU', 'main thread', 'RSS MB'],
    rows.flatMap((row) => row.usage.nodes.map((n, k) => [row.label, urls[k], pct(n.processMs, row.usage.wallMs), pct(n.mainThreadMs, row.usage.wallMs), int(n.rssMb)])),
  );
}

/** HTTP latency by request kind, for one phase. */
export function kindTable(r: PhaseResult): string {
  return table(
    ['request', 'count', '/s', 'p50 ms', 'p99 ms', 'max ms'],
    KINDS.flatMap((k) => {
      const list = r.latencies[k];
      if (!list || list.length === 0) return [];
      const sorted = sortedCopy(list);
      return [[k, int(sorted.length), fmt(sorted.length / r.seconds, 1), fmt(quantile(sorted, 0.5)), fmt(quantile(sorted, 0.99)), fmt(sorted[sorted.length - 1])]];
    }),
  );
}

export function errorLines(rows: readonly PhaseRow[], delivered: ReturnType<typeof deliveries>, receipts: ProctorsReceipts): string[] {
  const lines: string[] = [];
  rows.forEach((row, i) => {
    for (const e of row.takers?.errors ?? []) lines.push(`${row.label}: ${e}`);
    for (const e of row.otherErrors) lines.push(`${row.label}: ${e}`);
    if (delivered[i].missing) lines.push(`${row.label}: ${delivered[i].missing} violation(s) never reached their proctor's list`);
    if (row.takers?.stale) lines.push(`${row.label}: ${row.takers.stale} command(s) answered before the read models had them (the API's 5 s wait for them ran out)`);
    if (row.takers?.late) lines.push(`${row.label}: ${row.takers.late} action(s) sent more than 1 s late (the test-taker's previous request was still running)`);
  });
  if (receipts.errors) lines.push(`proctors' sockets: ${receipts.errors} error(s): ${receipts.firstErrors.join(' | ')}`);
  return lines;
}
