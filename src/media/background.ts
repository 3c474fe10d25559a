import { execFile, execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * How background work (the recordings' analysis: its face threads and ffmpeg) yields the CPU. Niceness alone is not
 * enough on Linux's scheduler: a niced thread that holds a core keeps it until its slice ends, and the thread serving
 * HTTP that wakes meanwhile waits. A thread under `SCHED_IDLE` is taken off its core as soon as any other thread
 * wakes (measured: 1,000 sessions with recordings, violation → proctor p99 74–112 ms with the analysis niced, 46–94
 * ms under SCHED_IDLE, 41 ms without the analysis). Any process may lower its own threads to it; `chrt`
 * (util-linux) is how Node gets there.
 */
export type BackgroundPolicy = 'idle' | 'nice' | 'none';

const CHRT = 'chrt';

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

let chrtWorks: Promise<boolean> | null = null;

/**
 * How to start `command` as background work: through `chrt --idle 0`, which puts itself under `SCHED_IDLE` and then
 * becomes the command (one process, started once: every start costs the thread serving HTTP a fork), or, where chrt
 * is missing or refused, the command itself. `wrapped` tells the caller that exit code 127 means "command not found".
 * Give the child the niceness as well (`setPriority`).
 */
export async function backgroundCommand(command: string, args: readonly string[]): Promise<{ file: string; args: string[]; wrapped: boolean }> {
  chrtWorks ??= new Promise((resolve) => execFile(CHRT, ['--idle', '0', 'true'], { timeout: 5_000 }, (error) => resolve(!error)));
  return (await chrtWorks) ? { file: CHRT, args: ['--idle', '0', command, ...args], wrapped: true } : { file: command, args: [...args], wrapped: false };
}
