import { execFile, execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * How background work (the recordings' analysis: its face threads and ffmpeg) yields the CPU. Niceness alone is not
 * enough on Linux's scheduler: a niced thread that holds a core keeps it until its slice ends, and the thread serving
 * HTTP that wakes meanwhile waits (measured: 1,000 sessions with recordings, violation → proctor p99 63 ms with the
 * analysis niced, 41 ms without it). A thread under `SCHED_IDLE` is taken off its core as soon as any other thread
 * wakes. Any process may lower its own threads to it; `chrt` (util-linux) is how Node gets there.
 */
export type BackgroundPolicy = 'idle' | 'nice' | 'none';

const CHRT = process.env.CHRT_PATH || 'chrt';

/**
 * Makes the calling thread (a worker thread's own, on Linux: its thread id is read from `/proc/thread-self`) background
 * work: `niceness`, then `SCHED_IDLE` where it can be had. Says how far it got.
 */
export function makeThisThreadBackground(niceness: number): BackgroundPolicy {
  let policy: BackgroundPolicy = 'none';
  try {
    // Process 0 is the calling thread on Linux. The niceness stays meaningful where SCHED_IDLE is refused.
    setPriority(niceness);
    policy = 'nice';
  } catch {
    // Not allowed here.
  }
  try {
    const tid = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1];
    if (tid) {
      execFileSync(CHRT, ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5_000 });
      policy = 'idle';
    }
  } catch {
    // Not Linux, no chrt, or not allowed: the niceness is what is left.
  }
  return policy;
}

/**
 * Makes a child process background work: `niceness` at once, then `SCHED_IDLE` (a `chrt` run of its own, which may
 * land after the child's first milliseconds; a child that is gone by then is no error).
 */
export function makeChildBackground(pid: number, niceness: number): void {
  try {
    setPriority(pid, niceness);
  } catch {
    // Gone already, or not ours to change.
  }
  execFile(CHRT, ['--idle', '--pid', '0', String(pid)], { timeout: 5_000 }, () => undefined);
}
