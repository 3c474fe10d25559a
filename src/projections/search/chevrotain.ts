import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

/**
 * The parts of chevrotain the search language uses, from the single-file ESM build its package ships
 * (`lib/chevrotain.mjs`: the same version and code, with what it needs of lodash-es inlined). The package's entry
 * imports all 640 modules of lodash-es, ≈30 MB of every server process; the build costs ≈5 MB. The package's `exports`
 * do not name the file, so it is found beside the entry (`lib/src/api.js`). Types still come from the package.
 */
const entry = createRequire(import.meta.url).resolve('chevrotain');
const chevrotain = (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.mjs')).href)) as typeof Chevrotain;

export const { CstParser, EOF, Lexer, createToken } = chevrotain;
