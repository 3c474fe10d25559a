import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICENESS, decodeFrames, UndecodableSegmentError } from '../../src/media/analysis/ffmpeg.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { photo } from '../faces/photos.js';

/** The niceness of each of this process's threads (Linux: /proc/self/task/<tid>/stat, field 19), by thread id. */
function threadNiceness(): Map<number, number> {
  const tasks = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name may hold spaces: fields are counted after its closing parenthesis (field 3 first).
      tasks.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // a thread that ended while listed
    }
  }
  return tasks;
}

// Server-side analysis is background work: on a busy machine the live requests must come first, so its face threads
// and its ffmpeg run at a lower OS priority than the server, which keeps its own.
describe.runIf(process.platform === 'linux')('the analysis yields to live work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'priority-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a background face thread at the background niceness while the server thread stays at 0', async () => {
    const before = [...threadNiceness().values()].filter((n) => n === BACKGROUND_NICENESS).length;
    const pool = new FaceAnalysisPool({ threads: 1, niceness: BACKGROUND_NICENESS });
    try {
      expect((await pool.analyze(photo.a)).faces).toHaveLength(1);
      const after = threadNiceness();
      expect([...after.values()].filter((n) => n === BACKGROUND_NICENESS).length).toBe(before + 1);
      expect(after.get(process.pid)).toBe(0);
      expect(getPriority()).toBe(0);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('starts ffmpeg at the background niceness', async () => {
    // A stand-in ffmpeg that waits (at most 10 s) to be given a niceness, then prints the one it has and fails.
    const fake = join(dir, 'ffmpeg');
    writeFileSync(fake, `#!/bin/sh
i=0; n=0
while [ $i -lt 200 ]; do n=$(cut -d' ' -f19 /proc/$$/stat); [ "$n" != 0 ] && break; i=$((i+1)); sleep 0.05; done
echo "niceness $n" >&2
exit 1
`);
    chmodSync(fake, 0o755);
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = fake;
    try {
      const error = await decodeFrames(new Uint8Array(16)).catch((e: Error) => e);
      expect(error).toBeInstanceOf(UndecodableSegmentError);
      expect((error as Error).message).toMatch(new RegExp(`niceness ${BACKGROUND_NICENESS}$`));
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  }, 30_000);
});
