// npm run projections -- status | rebuild [name]
// Shows each read model's checkpoint and failure, or builds one (or every one) anew beside the live tables and swaps
// it in. Works on the store the environment names (STORE, DATABASE_URL, DATA_DIR), like `npm start`.
import { loadConfig } from '../src/config.js';
import { openCore } from '../src/core.js';
import { serverHoldingDataDir } from '../src/server-lock.js';

const [command = 'status', name] = process.argv.slice(2);
if (command !== 'status' && command !== 'rebuild') {
  console.error('usage: npm run projections -- status | rebuild [name]');
  process.exit(2);
}
const config = loadConfig();
const holder = config.store === 'pglite' ? serverHoldingDataDir(config.dataDir) : null;
if (holder) {
  // PGlite is one process's database: a second process opening it would corrupt it.
  console.error(`the server (pid ${holder}) has ${config.dataDir} open: stop it first, or ask it through the API (rebuildProjection) as an administrator`);
  process.exit(1);
}
const core = await openCore(config, { start: false });
try {
  if (command === 'rebuild') {
    const names = name ? [name] : core.runner.projections.map((p) => p.name);
    for (const n of names) {
      const started = Date.now();
      await core.runner.rebuild(n);
      console.log(`rebuilt ${n} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  for (const s of await core.runner.status()) {
    const state = s.failure ? `FAILED at event ${s.failure.eventId} (${s.failure.eventType} in ${s.failure.streamId}): ${s.failure.error}` : 'ok';
    console.log(`${s.name.padEnd(10)} ${(s.checkpoint ?? '(nothing applied)').padEnd(42)} ${state}`);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await core.close();
}
