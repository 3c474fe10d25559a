// A committed file that a script writes: written by default, compared with --check (which fails when it differs).
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to `file` (`name` in the messages), or with --check exits 1 when the committed file differs:
 * `stale` says what it is out of date with and how to rewrite it.
 */
export function writeOrCheck(file: URL, name: string, text: string, stale: string): void {
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // missing counts as out of date
    }
    if (committed !== text) {
      console.error(`${name} is out of date with ${stale}`);
      process.exit(1);
    }
    console.log(`${name} is up to date`);
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${name}`);
  }
}
