import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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
 * one (a fresh CI clone), from its size.
 */
export default class SpreadChromiumSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const media = sorted.filter((f) => holdsChromium(f.moduleId));
    const others = sorted.filter((f) => !media.includes(f));
    if (media.length === 0 || others.length === 0) return sorted;
    const weight = this.weigher(sorted);
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

  /** Last run's duration for every file where the cache knows them all, else the size of each file. */
  private weigher(files: TestSpecification[]): (file: TestSpecification) => number {
    const key = (f: TestSpecification) => `${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`;
    const durations = new Map(files.map((f) => [f, this.ctx.cache.getFileTestResults(key(f))?.duration]));
    if ([...durations.values()].every((d) => typeof d === 'number')) return (f) => durations.get(f)!;
    return (f) => statSync(f.moduleId).size;
  }
}
