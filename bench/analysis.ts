/**
 * Server-side analysis of recordings: `npm run bench:analysis`. Two tables, each with the machine's load beside it
 * (other work shares the cores, so the figures are taken under that load):
 *  1. Frames analysed per second on one core (one segment at a time, one face thread), for a 10 s camera segment
 *     (320×240 VP8 + Opus, as tests make them) showing a face, and one showing an empty room; beside them the baseline
 *     of the same run: ffmpeg's decoding and the picture/sound measures alone, without face detection.
 *  2. Lag behind live recording: BENCH_SESSIONS sessions (default 30) each finishing a 10 s camera segment every 10 s,
 *     for BENCH_SECONDS (default 60), analysed by one worker and one face thread per core. Lag is the time from a
 *     segment's end to its findings; segments still waiting at the end are counted with their wait so far.
 * The job queue's own cost (a row claimed and completed per segment, ≈ ms) is left out: it is not what limits this.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { analyseSegment, type SegmentAnalysisOptions } from '../src/media/analysis/segment.js';
import { decodeAudio, decodeFrames } from '../src/media/analysis/ffmpeg.js';
import { frozenFrames, isDark } from '../src/media/analysis/pictures.js';
import { soundLevels } from '../src/media/analysis/sound.js';
import { DEFAULT_MATCH_THRESHOLD } from '../src/media/faces/judge.js';
import { FaceAnalysisPool } from '../src/media/faces/pool.js';
import { makeClip, pictures } from '../test/analysis/clips.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 30);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SEGMENT_S = 10;
const ROUNDS = 3;
const cores = availableParallelism();
const load = () => loadavg()[0].toFixed(1);

/**
 * CPU seconds used so far by this process (every thread: the face threads too) and by its finished children (the
 * ffmpeg runs: cutime + cstime of /proc/self/stat, in clock ticks of 1/100 s). On a loaded machine this, not the wall
 * clock, says what the analysis costs.
 */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  let children = 0;
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    // Not Linux: the children's share is left out (and the column says less than it costs).
  }
  return (user + system) / 1e6 + children;
}

const face = await makeClip({ picture: await pictures.face(), sound: 'loud', seconds: SEGMENT_S });
const empty = await makeClip({ picture: await pictures.noFace(), sound: 'silent', seconds: SEGMENT_S });
const one = new FaceAnalysisPool({ threads: 1 });
const reference = (await one.analyze(await pictures.face())).faces[0].descriptor; // also warms the thread
const options = (analyzer: FaceAnalysisPool): SegmentAnalysisOptions => ({ analyzer, reference, threshold: DEFAULT_MATCH_THRESHOLD, faces: true });

async function decodeOnly(webm: Buffer): Promise<number> {
  const frames = await decodeFrames(webm);
  const samples = await decodeAudio(webm);
  const dark = frames.map(isDark);
  frozenFrames(frames, dark);
  if (samples) soundLevels(samples, 8000);
  return frames.length;
}

async function rate(name: string, run: () => Promise<number>): Promise<string> {
  let frames = 0;
  const start = performance.now();
  const cpu = cpuSeconds();
  for (let i = 0; i < ROUNDS; i++) frames += await run();
  const seconds = (performance.now() - start) / 1000;
  const used = cpuSeconds() - cpu;
  return `| ${name.padEnd(36)} | ${String(frames).padStart(6)} | ${(frames / seconds).toFixed(1).padStart(14)} | ${(frames / used).toFixed(1).padStart(15)} | ${load().padStart(5)} |`;
}

console.log(`\nRecording analysis on one core: ${ROUNDS} × a ${SEGMENT_S} s segment (1 frame/s, 320×240), ${cores} cores on the machine\n`);
console.log('| analysis                             | frames | frames/s, wall | frames per CPU-s | load1 |');
console.log('| ---                                  | ---:   | ---:           | ---:            | ---:  |');
console.log(await rate('decode + picture + sound (baseline)', () => decodeOnly(face)));
console.log(await rate('full, a face (+ face-api)', async () => (await analyseSegment(face, options(one))).frames));
console.log(await rate('full, an empty room (+ face-api)', async () => (await analyseSegment(empty, options(one))).frames));
await one.close();

// Live: every SEGMENT_S seconds, each session's last segment is stored; `cores` workers take them in order.
const pool = new FaceAnalysisPool({ threads: cores });
await Promise.all(Array.from({ length: cores }, () => pool.analyze(face.subarray(0, 0)).catch(() => undefined)));
const queue: number[] = [];
const lags: number[] = [];
let arriving = true;
let analysedFrames = 0;
const began = performance.now();
const liveCpu = cpuSeconds();
const arrivals = (async () => {
  for (let t = SEGMENT_S; t <= SECONDS; t += SEGMENT_S) {
    await new Promise((resolve) => setTimeout(resolve, began + t * 1000 - performance.now()));
    for (let s = 0; s < SESSIONS; s++) queue.push(performance.now());
  }
  arriving = false;
})();
const worker = async () => {
  while (arriving || queue.length > 0) {
    if (performance.now() - began > SECONDS * 1000 + 1000) return; // the end of the bench: what waits is counted below
    const endedAt = queue.shift();
    if (endedAt === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    analysedFrames += (await analyseSegment(face, options(pool))).frames;
    lags.push((performance.now() - endedAt) / 1000);
  }
};
await Promise.all([arrivals, ...Array.from({ length: cores }, worker)]);
const elapsed = (performance.now() - began) / 1000;
const liveCpuUsed = cpuSeconds() - liveCpu;
const waiting = queue.map((endedAt) => (performance.now() - endedAt) / 1000);
await pool.close();
const all = [...lags, ...waiting].sort((a, b) => a - b);
const pct = (p: number) => (all.length ? all[Math.min(all.length - 1, Math.floor((p / 100) * all.length))] : 0).toFixed(1);
const needed = SESSIONS; // one frame a second per session
const achieved = analysedFrames / elapsed;
console.log(`\nLive: ${SESSIONS} sessions, a ${SEGMENT_S} s camera segment each every ${SEGMENT_S} s, for ${SECONDS} s; ${cores} workers and face threads\n`);
console.log('| segments stored | analysed | waiting at end | frames/s needed | frames/s done | frames per CPU-s | lag p50 s | lag p90 s | lag max s | load1 |');
console.log('| ---:            | ---:     | ---:           | ---:            | ---:          | ---:             | ---:      | ---:      | ---:      | ---:  |');
console.log(`| ${lags.length + waiting.length} | ${lags.length} | ${waiting.length} | ${needed} | ${achieved.toFixed(1)} | ${(analysedFrames / liveCpuUsed).toFixed(1)} | ${pct(50)} | ${pct(90)} | ${pct(100)} | ${load()} |`);
const sustainable = Math.floor(achieved);
const perCore = analysedFrames / liveCpuUsed;
console.log(`\nKept up with about ${sustainable} sessions at 1 frame/s on this machine under this load${achieved < needed ? `; with ${SESSIONS}, the lag grows by about ${((needed / achieved - 1) * SEGMENT_S).toFixed(0)} s every ${SEGMENT_S} s` : ''}.`);
console.log(`By CPU time, one free core analyses about ${perCore.toFixed(1)} frames/s: ${SESSIONS} sessions need about ${(SESSIONS / perCore).toFixed(1)} free cores to keep up.`);
