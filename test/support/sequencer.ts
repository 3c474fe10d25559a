import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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
 * Spreads the files that hold the one Chromium over the run. Vitest starts the longest files first, and the longest
 * are the media browser files: two workers then both start one, and the second waits for the first, idle, for minutes
 * (500 s of a worker's time in a full run). Here they come one per stretch of the other files, each stretch about as
 * long as the others make together divided by the number of media files, so that one worker is usually on a media file
 * while the other goes through the rest. How long a file takes comes from Vitest's cache of the last run, or, without
 * one (a fresh CI clone), from `durations.json`.
 */
export default class SpreadChromiumSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const weight = this.weigher(files);
    // Vitest's own order (failed first, then longest first) where its cache knows every file; longest first by the
    // recorded durations where it does not (a fresh clone: CI), since file size says little about a file's time.
    const sorted = this.fromCache(files) ? await super.sort(files) : [...files].sort((a, b) => weight(b) - weight(a));
    const media = sorted.filter((f) => holdsChromium(f.moduleId));
    const others = sorted.filter((f) => !media.includes(f));
    if (media.length === 0 || others.length === 0) return sorted;
    const stretch = others.reduce((sum, f) => sum + weight(f), 0) / media.length;
    const order: TestSpecification[] = [];
    let since = Infinity;
    for (const file of others) {
      if (since >= stretch && media.length) {
        order.push(media.shift()!);
        since = 0;
      }
      order.push(file);
      since += weight(file);
    }
    return [...order, ...media];
  }

  private cached(f: TestSpecification): number | undefined {
    return this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`)?.duration;
  }

  private fromCache(files: TestSpecification[]): boolean {
    return files.every((f) => typeof this.cached(f) === 'number');
  }

  /**
   * How long each file takes, in ms: the last run's durations where the cache knows them all; else those recorded in
   * `durations.json` (`npm run test:durations` writes it from a full run), and for a file not recorded there its size
   * at the recorded files' median milliseconds per byte.
   */
  private weigher(files: TestSpecification[]): (file: TestSpecification) => number {
    if (this.fromCache(files)) return (f) => this.cached(f)!;
    const recorded = readRecorded();
    const known = (f: TestSpecification) => recorded[relative(this.ctx.config.root, f.moduleId)];
    const perByte = files.filter((f) => known(f) !== undefined).map((f) => known(f)! / Math.max(1, statSync(f.moduleId).size)).sort((a, b) => a - b);
    const rate = perByte.length ? perByte[Math.floor(perByte.length / 2)] : 1;
    return (f) => known(f) ?? statSync(f.moduleId).size * rate;
  }
}
