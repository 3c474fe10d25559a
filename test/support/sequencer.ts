import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { planOrder } from './plan-order.js';

/** Each file's duration in ms in a full run, by path from the root (`npm run test:durations`). */
const RECORDED = new URL('./durations.json', import.meta.url);

function readRecorded(): Record<string, number> {
  return existsSync(RECORDED) ? (JSON.parse(readFileSync(RECORDED, 'utf8')) as Record<string, number>) : {};
}

/**
 * A browser test file whose pages capture and send media, or a file that loads the machine as much: it runs holding
 * the one Chromium (test/support/browser.ts).
 */
const holdsChromium = (file: string): boolean => /holdChromium\((\)|'machine'\))/.test(readFileSync(file, 'utf8'));

/**
 * Orders the files so that one worker goes from one Chromium file to the next while the other runs the rest. The
 * Chromium files run one at a time (the lock in test/support/browser.ts), and are most of the run: a worker that takes
 * one while the other holds the lock waits, idle, and a stretch where neither holds it makes the run longer by as much.
 * Spreading them evenly among the others left both: 425 s of waits and 289 s without a Chromium file in a 1,065 s run.
 *
 * So the order is what two workers taking the next file as each gets free would do, planned with each file's
 * recorded duration: the worker that gets free takes the longest Chromium file if the lock is free by then, else the
 * longest other file. Vitest's workers take the files in this order as they get free, as planned; where a file takes
 * longer or shorter than recorded, the two trade places, at the cost of one wait at most.
 */
export default class SpreadChromiumSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const weight = this.weigher(files);
    const longestFirst = (list: TestSpecification[]) => list.sort((a, b) => weight(b) - weight(a));
    const media = longestFirst(files.filter((f) => holdsChromium(f.moduleId)));
    const others = longestFirst(files.filter((f) => !holdsChromium(f.moduleId)));
    const workers = Math.max(1, Number(this.ctx.config.maxWorkers) || 1);
    return planOrder(media, others, workers, weight);
  }

  private cached(f: TestSpecification): number | undefined {
    return this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`)?.duration;
  }

  /**
   * How long each file takes, in ms: as recorded in `durations.json` (`npm run test:durations` writes it from a full
   * run, without the time files waited for Chromium); else the last run's duration from Vitest's cache (which counts
   * those waits); else its size at the recorded files' median milliseconds per byte.
   */
  private weigher(files: TestSpecification[]): (file: TestSpecification) => number {
    const recorded = readRecorded();
    const known = (f: TestSpecification) => recorded[relative(this.ctx.config.root, f.moduleId)];
    const perByte = files.filter((f) => known(f) !== undefined).map((f) => known(f)! / Math.max(1, statSync(f.moduleId).size)).sort((a, b) => a - b);
    const rate = perByte.length ? perByte[Math.floor(perByte.length / 2)] : 1;
    return (f) => known(f) ?? this.cached(f) ?? statSync(f.moduleId).size * rate;
  }
}
