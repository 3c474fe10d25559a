/**
 * Face analysis off the server thread: `npx tsx bench/face-workers.ts`. Analyses the same photos three ways and
 * prints, for each, what the main thread (the one serving HTTP and WebSockets) suffers meanwhile — its event-loop
 * delay, p50/p99/max, measured by `monitorEventLoopDelay` — and the photos per second:
 *  - `in-process`: the analyser on the main thread, as the server ran it before the worker threads (the baseline);
 *  - `1 thread`, `N threads`: `FaceAnalysisPool`, photos sent as they are answered (N = the cores).
 * Each way is warmed first (its models loaded), so the figures are steady-state. BENCH_PHOTOS sets the photo count
 * (default 24). The machine's load average is printed beside each row: other work shares the cores.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createFaceAnalyzer, type FaceAnalyzer } from '../src/media/faces/analyzer.js';
import { FaceAnalysisPool } from '../src/media/faces/pool.js';

const PHOTOS = Number(process.env.BENCH_PHOTOS ?? 24);
const dir = new URL('../test/fixtures/faces/', import.meta.url);
const images = ['person-a.jpg', 'person-b.jpg', 'person-c.jpg', 'no-face.jpg'].map((name) => readFileSync(new URL(name, dir)));

async function measure(name: string, analyzer: FaceAnalyzer, concurrency: number): Promise<string> {
  await Promise.all(Array.from({ length: concurrency }, (_, i) => analyzer.analyze(images[i % images.length]))); // warm every thread
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const start = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < PHOTOS) await analyzer.analyze(images[next++ % images.length]);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - start) / 1000;
  delay.disable();
  const ms = (ns: number) => (ns / 1e6).toFixed(0).padStart(6);
  return `| ${name.padEnd(12)} | ${ms(delay.percentile(50))} | ${ms(delay.percentile(99))} | ${ms(delay.max)} | ${(PHOTOS / seconds).toFixed(1).padStart(8)} | ${loadavg()[0].toFixed(1).padStart(5)} |`;
}

const cores = availableParallelism();
console.log(`\nFace analysis, ${PHOTOS} photos (test/fixtures/faces), ${cores} cores; main-thread event-loop delay while they run\n`);
console.log('| analysed on  | p50 ms | p99 ms | max ms | photos/s | load1 |');
console.log('| ---          | ---:   | ---:   | ---:   | ---:     | ---:  |');
console.log(await measure('in-process', createFaceAnalyzer(), 1));
const one = new FaceAnalysisPool({ threads: 1 });
console.log(await measure('1 thread', one, 1));
await one.close();
const all = new FaceAnalysisPool({ threads: cores });
console.log(await measure(`${cores} threads`, all, cores));
await all.close();
