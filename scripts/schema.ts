// Writes schema.graphql from the resolvers, or with --check fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { schemaSdl } from '../src/api/schema.js';

const file = new URL('../schema.graphql', import.meta.url);
const sdl = await schemaSdl();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing counts as drift
  }
  if (committed !== sdl) {
    console.error('schema.graphql is out of date with the resolvers: run `npm run schema` and commit it.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date');
} else {
  writeFileSync(file, sdl);
  console.log('wrote schema.graphql');
}
