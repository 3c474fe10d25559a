import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICENESS, decodeFrames, FfmpegMissingError, UndecodableSegmentError } from '../../src/media/analysis/ffmpeg.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { photo } from '../faces/photos.js';

/** Linux's number for the SCHED_IDLE policy (sched.h). */
const SCHED_IDLE = 5;

/**
 * The niceness and scheduling policy of each of this process's threads (Linux: /proc/self/task/<tid>/stat, fields 19
 * and 41), by thread id.
 */
function threadPriorities(): Map<number, { niceness: number; policy: number }> {
  const tasks = new Map<number, { niceness: number; policy: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name may hold spaces: fields are counted after its closing parenthesis (field 3 first).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      tasks.set(Number(tid), { niceness: Number(fields[16]), policy: Number(fields[38]) });
    } catch {
      // a thread that ended while listed
    }
  }
  return tasks;
}

const background = (t: { niceness: number; policy: number }) => t.niceness === BACKGROUND_NICENESS && t.policy === SCHED_IDLE;

// Server-side analysis is background work: on a busy machine the live requests must come first, so its face threads
// and its ffmpeg run at a lower OS priority than the server, which keeps its own: the background niceness, and the
// SCHED_IDLE policy (a niced thread keeps its core until its slice ends; an idle one gives it up to any thread that wakes).
// chrt (util-linux) sets the policy: Debian always has it.
describe.runIf(process.platform === 'linux')('the analysis yields to live work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'priority-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a background face thread at the background niceness and SCHED_IDLE while the server thread stays as it was', async () => {
    const before = [...threadPriorities().values()].filter(background).length;
    const pool = new FaceAnalysisPool({ threads: 1, niceness: BACKGROUND_NICENESS });
    try {
      expect((await pool.analyze(photo.a)).faces).toHaveLength(1);
      const after = threadPriorities();
      expect([...after.values()].filter(background).length).toBe(before + 1);
      expect(after.get(process.pid)).toEqual({ niceness: 0, policy: 0 });
      expect(getPriority()).toBe(0);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('starts ffmpeg at the background niceness and SCHED_IDLE', async () => {
    // A stand-in ffmpeg that waits (at most 10 s) to be given a niceness and the idle policy, then prints what it has and
    // fails. (Its command name, sh, holds no space: the fields can be cut as they are.)
    const fake = join(dir, 'ffmpeg');
    writeFileSync(fake, `#!/bin/sh
i=0; n=0; p=0
while [ $i -lt 200 ]; do n=$(cut -d' ' -f19 /proc/$$/stat); p=$(cut -d' ' -f41 /proc/$$/stat); [ "$n" != 0 ] && [ "$p" = ${SCHED_IDLE} ] && break; i=$((i+1)); sleep 0.05; done
echo "niceness $n policy $p" >&2
exit 1
`);
    chmodSync(fake, 0o755);
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = fake;
    try {
      const error = await decodeFrames(new Uint8Array(16)).catch((e: Error) => e);
      expect(error).toBeInstanceOf(UndecodableSegmentError);
      expect((error as Error).message).toMatch(new RegExp(`niceness ${BACKGROUND_NICENESS} policy ${SCHED_IDLE}$`));
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  }, 30_000);

  it('still says ffmpeg is missing when it is started through chrt and is not there', async () => {
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = join(dir, 'no-such-ffmpeg');
    try {
      await expect(decodeFrames(new Uint8Array(16))).rejects.toBeInstanceOf(FfmpegMissingError);
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });
});
