import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import pino from 'pino';
import { loadConfig } from './config.js';
import { openCore } from './app/core/core.js';
import { toolKeyring } from './app/lti/keys.js';
import { startServer } from './api/server.js';
import { openBlobStore } from './media/blob-config.js';
import { sealedWhenKeyed } from './media/sealed/sealed-blob-store.js';
import { startMediaEngine } from './media/engine.js';
import { startFaceVerifier } from './app/faces/verifier.js';
import { startRecordingAnalyser } from './app/analysis/recording-analyser.js';
import { closeSharedFaceAnalysisPool, FaceAnalysisPool, sharedFaceAnalysisPool } from './media/faces/pool.js';
import { BACKGROUND_NICENESS } from './media/analysis/ffmpeg.js';
import { DEMO_ACCOUNTS, seedDemo, storeIsEmpty } from './seed.js';
import { createFirstAdmin } from './app/accounts/first-admin.js';
import { ensureDefaultTemplate } from './app/templates/templates.js';
import { SessionTimer } from './app/sessions/session-timer.js';
import { RecordingWatchdog } from './app/recordings/recording-watchdog.js';
import { RetentionSweeper } from './app/retention/retention-sweep.js';
import { LtiServiceWorker } from './app/lti/services/worker.js';
import { holdDataDir, serverHoldingDataDir } from './server-lock.js';
import { ChainCheckpointer } from './app/chain/checkpointer.js';
import { WebhookDeliverer } from './app/webhooks/deliverer.js';
import { clusterLock } from './store/leadership.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  // A configuration that cannot be used is the operator's to fix: say what, without a stack.
  console.error(`cannot start: ${(error as Error).message}`);
  process.exit(1);
}
const log = pino({ level: config.logLevel });

if (config.store === 'pglite') {
  const holder = serverHoldingDataDir(config.dataDir);
  if (holder) {
    console.error(`another server (pid ${holder}) is running on ${config.dataDir}: stop it, or give this one another DATA_DIR`);
    process.exit(1);
  }
}
// Checked before anything is written: an object store that cannot be used stops the start in one line.
const plainBlobs = await openBlobStore(config).catch((error: Error) => {
  console.error(`cannot start: ${error.message}`);
  process.exit(1);
});
const core = await openCore(config, { log: (message, err) => log.error({ err }, message) });
const blobs = await sealedWhenKeyed(plainBlobs, core.db, config.masterKey);
if (config.masterKeySource === 'generated') {
  log.warn({ file: `${config.dataDir}/master-key` }, 'no MASTER_KEY: generated one for media encryption and kept it in the data directory (set MASTER_KEY in production)');
}
const releaseDataDir = config.store === 'pglite' ? holdDataDir(config.dataDir) : () => {};
const startup = await clusterLock(core.db, 'startup'); // nodes starting together: one makes the first administrator
const emptyStore = await storeIsEmpty(core);
if (config.firstAdmin) {
  try {
    const done = await createFirstAdmin(core, config.firstAdmin, emptyStore);
    if (done === 'created') log.info({ username: config.firstAdmin.username }, 'created the first administrator from ADMIN_USERNAME');
    else log.info('ADMIN_USERNAME/ADMIN_PASSWORD ignored: the store has accounts already (they only make the first administrator)');
  } catch (error) {
    console.error(`cannot start: ADMIN_PASSWORD cannot be used: ${(error as Error).message}`);
    await core.close();
    releaseDataDir();
    process.exit(1);
  }
}
if (!config.production && emptyStore && !config.firstAdmin) {
  log.info('empty store: seeding the demo');
  await seedDemo(core, config.demoPassword, config.publicUrl);
}
if (config.production && emptyStore && !config.firstAdmin) {
  console.warn('  No accounts yet: set ADMIN_USERNAME and ADMIN_PASSWORD and start again to create the first administrator.');
}
// Not into a store still empty: the first administrator is only made in an empty one.
if (!(await storeIsEmpty(core))) await ensureDefaultTemplate(core);
await startup.release();
// Uploads a crash cut short are left in the blob store's staging place: gone before anyone uploads again.
await blobs.sweepStaging().catch((err) => log.warn({ err }, 'could not sweep the upload staging place'));
const webDir = fileURLToPath(new URL('../web/dist', import.meta.url));
const janus = await startMediaEngine(config, core, blobs, log); // null in p2p mode
const server = await startServer(core, config, log, { webDir: existsSync(webDir) ? webDir : undefined, janus, blobs });
// Face analysis runs in FACE_WORKERS threads, shared by identity-photo checks and reference uploads.
const faces = startFaceVerifier(core, blobs, {
  analyzer: sharedFaceAnalysisPool(config.faceWorkers), log, threshold: config.faces?.matchThreshold, similarThreshold: config.faces?.similarThreshold,
});
// Recordings are checked on the server (ANALYSIS_WORKERS segments at once, 0: off) on face threads of their own, at
// a low priority: a backlog of segments never delays an identity check, and live requests come first on a busy machine.
const analysisFaces = config.analysisWorkers === 0 ? null : new FaceAnalysisPool({ threads: config.analysisWorkers, niceness: BACKGROUND_NICENESS });
const analysis = analysisFaces && startRecordingAnalyser(core, blobs, {
  workers: config.analysisWorkers, analyzer: analysisFaces, log, threshold: config.faces?.matchThreshold,
});

const report = (message: string, err?: unknown) => log.error({ err }, message);
const timer = new SessionTimer(core, report);
timer.start();
const watchdog = new RecordingWatchdog(core, 90_000, report);
watchdog.start();
// Hourly, the media of sessions past their template's retention is destroyed (see README, "Privacy").
const retention = new RetentionSweeper(core, blobs, { log: report });
retention.start();
// Results of concluded sessions to their integrations' webhooks (see README, "Result webhook").
const webhooks = new WebhookDeliverer(core, { publicUrl: config.publicUrl, log: report });
webhooks.start();
// Grades (AGS) and assessment control (ACS) to the LMS of sessions launched from one, retried across restarts.
const ltiServices = new LtiServiceWorker(core, { log: report });
await ltiServices.start();
// Every 10 s, the heads of the streams that changed are signed (see README, "A chain you can trust").
const checkpoints = new ChainCheckpointer(core, core.chainKeys!, { report });
await checkpoints.start();
// Our LTI key pair exists from the first start; keys replaced more than a week ago leave the JWKS (checked hourly).
const keyring = toolKeyring(core);
const retireKeys = () => keyring.retireExpired().catch((err) => log.warn({ err }, 'could not retire old LTI keys'));
await keyring.keys();
await retireKeys();
const keyTimer = setInterval(retireKeys, 3600_000).unref();

log.info({ store: config.store, dataDir: config.dataDir }, `listening on ${server.url}`);
console.log(`\n  Proctoring is running: ${server.url}\n  GraphQL: ${server.url}/graphql (HTTP and graphql-ws)`);
if (!config.production) {
  console.log(`  Demo logins (password "${config.demoPassword}"): ${DEMO_ACCOUNTS.map((a) => `${a.username} (${a.role})`).join(', ')}\n`);
}

/** The whole shutdown fits in this: service managers send SIGKILL not long after SIGTERM. */
const SHUTDOWN_MS = 5000;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = performance.now();
  log.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    log.error({ ms: SHUTDOWN_MS }, 'shutdown took too long: exiting anyway');
    process.exit(1);
  }, SHUTDOWN_MS);
  let code = 0;
  try {
    const watchdogStopped = watchdog.stop(); // no new pass; the one running stops at its next session
    await retention.stop();
    clearInterval(keyTimer);
    const timerStopped = timer.stop(); // no new time-out pass; the one running finishes its appends
    await server.close(); // no new connections; sockets closed; requests in flight get 2 s to finish
    await timerStopped;
    await watchdogStopped;
    await webhooks.stop(); // attempts in flight get 1.5 s to be recorded; one cut short is tried again later
    await faces.stop(); // a check in progress ends (its job is marked done, or failed and retried later)
    await analysis?.stop(1000); // a segment cut short is analysed again after its lease
    await analysisFaces?.close();
    await closeSharedFaceAnalysisPool();
    await ltiServices.stop();
    await janus?.close({ budgetMs: 1500 }); // publishers cut, Janus stopped; unconverted pieces wait for the next start
    // Every append is done now: the last events get their signature before we go.
    await checkpoints.checkpoint().catch(() => false);
    await checkpoints.stop();
    await core.close();
    releaseDataDir();
    log.info({ ms: Math.round(performance.now() - started) }, 'stopped');
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    code = 1;
  } finally {
    clearTimeout(deadline);
    process.exit(code);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
