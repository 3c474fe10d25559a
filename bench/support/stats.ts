/** Small helpers shared by the API benchmark and its worker threads. */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** Wall-clock milliseconds comparable across threads of one process (and across processes on one machine). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The q-quantile (0…1) of values already sorted ascending; NaN for none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

/** A plain text table: first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * A worker thread running a TypeScript module. Under tsx on Node 20 a worker does not inherit the TypeScript loader
 * (`--import` hooks are per thread and `execArgv` cannot carry them), so the worker registers tsx itself first.
 */
export function tsWorker(module: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api'); // absolute, so the worker finds it whatever the working directory
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(source, { eval: true, workerData });
}

/** The next message from `worker` that satisfies `match`; rejects if the worker fails or exits first. */
export function nextMessage<T>(worker: Worker, match: (message: any) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!match(message)) return;
      cleanup();
      resolve(message as T);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`worker exited with code ${code}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** Event-loop delay beyond the sampling interval (ms) and utilisation of a thread over a measured window. */
export interface LoopStats {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Share of the window the loop was busy (0–1), and the busy milliseconds. */
  readonly utilization: number;
  readonly activeMs: number;
  /** CPU time this thread got in the window (ms), and the window's length: unlike `activeMs`, it does not count time
   *  the machine's other processes took from a busy loop. NaN where /proc/thread-self is missing. */
  readonly cpuMs: number;
  /** The part of `cpuMs` spent in the kernel (system time: on loopback, sending a TCP segment also runs the
   *  receiving side's TCP stack in the sender's thread). */
  readonly sysMs: number;
  readonly wallMs: number;
}

/**
 * CPU time (user + system) of the calling thread in ms, from Linux's /proc/thread-self/stat (Node 20 has no
 * `process.threadCpuUsage`). Resolution: one clock tick, 10 ms.
 */
export function threadCpuMs(): number {
  const { user, system } = threadTimes();
  return user + system;
}

/** User and system time of the calling thread in ms (NaN where /proc/thread-self is missing). */
export function threadTimes(): { user: number; system: number } {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(fields[11]) * 1000) / 100, system: (Number(fields[12]) * 1000) / 100 }; // utime, stime in ticks of 1/100 s
  } catch {
    return { user: NaN, system: NaN };
  }
}

const RESOLUTION_MS = 10;

/**
 * Starts measuring this thread's event loop: `monitorEventLoopDelay` (a timer every 10 ms; it records whole intervals,
 * so the interval is subtracted) and `performance.eventLoopUtilization`. `delay()` stops the delay histogram,
 * `utilization()` reads the busy share since the start; `stop()` does both.
 */
export function measureLoop() {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const start = performance.eventLoopUtilization();
  const cpu0 = threadTimes();
  const wall0 = performance.now();
  let delay: Pick<LoopStats, 'p50' | 'p99' | 'max'> | null = null;
  const lag = (ns: number) => (histogram.count ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : NaN);
  const api = {
    delay() {
      if (!delay) {
        histogram.disable();
        delay = { p50: lag(histogram.percentile(50)), p99: lag(histogram.percentile(99)), max: lag(histogram.max) };
      }
      return delay;
    },
    utilization() {
      const u = performance.eventLoopUtilization(start);
      const cpu = threadTimes();
      const sysMs = cpu.system - cpu0.system;
      return { utilization: u.utilization, activeMs: u.active, cpuMs: cpu.user - cpu0.user + sysMs, sysMs, wallMs: performance.now() - wall0 };
    },
    stop(): LoopStats {
      return { ...api.delay(), ...api.utilization() };
    },
  };
  return api;
}
