import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/**
 * The machine kept quiet for the one stretch of the suite that needs it whole: three browsers on one machine standing
 * for three people's computers (two test-takers and their proctor, media.test.ts). Beside any other test file the
 * three got about one core between them, and then the test-taker's camera delivered a frame a second and its recorder
 * wrote nothing for tens of seconds (measured with the suite's workers held to one core, and seen in CI during the
 * proctor's call), and the proctor's tiles decoded 6 frames in 20 s.
 *
 * A readers-writer lock in the temporary directory: every test file shares the machine as it begins and before each
 * of its tests (each worker process a file named by its pid under SHARING; test/support/share-machine.ts), and waits
 * there while the quiet lock is held; `quietMachine` takes the quiet lock, then waits until no other file shares:
 * until the test running beside it ends. A file that asks for the Chromium lock lets go of its share (`holdChromium`):
 * the quiet lock is only taken under the Chromium one, so a file waiting for Chromium must not hold the quiet one up.
 *
 * The same starvation, milder, broke the proctor's tiles in mobile.test.ts (0 phone frames in 30 s, in CI) and, held to
 * one core, in monitor-layout.test.ts: they keep the machine quiet for their frame checks only (`quietly`).
 *
 * With CHROMIUM_LOCK_LOG set, the waits go to that log too (kinds `quiet` and `share`, as `holdChromium` writes).
 */
const QUIET = join(tmpdir(), 'proctor-quiet.lock');
const SHARING = join(tmpdir(), 'proctor-sharing');
/** The longest a share may keep the quiet lock waiting: a test takes 30 s at most, unless it says otherwise. */
const PATIENCE_MS = 180_000;

/** Whether a process (a test worker holding a lock) still runs. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Who keeps the machine quiet: null when nobody, 0 while the holder has not written its pid yet. */
const quietHolder = (): number | null => {
  if (!existsSync(QUIET)) return null;
  try {
    return Number(readFileSync(join(QUIET, 'pid'), 'utf8')) || 0;
  } catch {
    return 0;
  }
};
const mine = join(SHARING, String(process.pid));

/** With CHROMIUM_LOCK_LOG set, appends when a file asked for a lock, got it and let it go (JSON lines, one per wait). */
export function logLockWait(file: string, kind: string, calledAt: number, acquiredAt: number, releasedAt: number): void {
  if (!process.env.CHROMIUM_LOCK_LOG) return;
  appendFileSync(process.env.CHROMIUM_LOCK_LOG, JSON.stringify({ file: file.replace(/.*\/(test|src|web)\//, '$1/'), kind, calledAt, acquiredAt, releasedAt }) + '\n');
}

/** This worker's file uses the machine (waits while it is kept quiet); `endShare` lets go. */
export async function shareMachine(file: string): Promise<void> {
  mkdirSync(SHARING, { recursive: true });
  const calledAt = Date.now();
  for (;;) {
    writeFileSync(mine, file);
    const holder = quietHolder();
    if (holder === null || holder === process.pid || (holder && !alive(holder))) {
      if (holder && holder !== process.pid) rmSync(QUIET, { recursive: true, force: true }); // left by a dead worker
      const now = Date.now();
      if (now - calledAt > 1000) logLockWait(file, 'share', calledAt, now, now);
      return;
    }
    // Held: step back, so the holder does not wait for this file, and ask again.
    rmSync(mine, { force: true });
    await sleep(200);
  }
}

export function endShare(): void {
  rmSync(mine, { force: true });
}

/** Keeps the machine to this file until the returned function is called: waits for the tests running beside it to end. */
export async function quietMachine(): Promise<() => void> {
  const calledAt = Date.now();
  endShare();
  for (;;) {
    try {
      mkdirSync(QUIET);
      writeFileSync(join(QUIET, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = quietHolder();
      if (holder && (holder === process.pid || !alive(holder))) rmSync(QUIET, { recursive: true, force: true });
      await sleep(200);
    }
  }
  const since = Date.now();
  for (;;) {
    let others: string[] = [];
    try {
      others = readdirSync(SHARING).filter((name) => Number(name) !== process.pid && alive(Number(name)));
    } catch {
      // nobody has shared yet
    }
    if (!others.length) break;
    if (Date.now() - since > PATIENCE_MS) {
      console.warn(`the machine is not quiet: still shared by ${others.map((pid) => readFileSync(join(SHARING, pid), 'utf8')).join(', ')}`);
      break;
    }
    await sleep(200);
  }
  const acquiredAt = Date.now();
  const file = expect.getState().testPath ?? '?';
  return () => {
    rmSync(QUIET, { recursive: true, force: true });
    logLockWait(file, 'quiet', calledAt, acquiredAt, Date.now());
  };
}

/** Runs `work` with the machine kept quiet (`quietMachine`), and lets go however it ends. */
export async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const release = await quietMachine();
  try {
    return await work();
  } finally {
    release();
  }
}
