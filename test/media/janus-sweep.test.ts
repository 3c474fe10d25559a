import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { DEFAULT_TOOLS } from '../../src/media/janus/recording.js';
import { RecordingPipeline } from '../../src/media/janus/recording-pipeline.js';
import { NodeCalls } from '../../src/store/node-calls.js';
import { NODE_TAG } from '../../src/store/sql.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer } from '../support/servers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/janus/', import.meta.url));
const HAS_TOOLS = existsSync('/usr/bin/janus-pp-rec') && existsSync('/usr/bin/ffmpeg');
const SESSION = 'sweep-1';

/** A fixture recording as if made now: the times in its header (µs, all 16 digits) moved to within the session. */
function recordedNow(fixture: string, to: string): void {
  const data = readFileSync(join(FIXTURES, fixture));
  const length = data.readUInt16BE(8);
  const header = data.toString('latin1', 10, 10 + length).replace(/\d{16}/g, (t) => String(Number(t) - 1795800371471000 + (Date.now() + 200) * 1000));
  writeFileSync(to, Buffer.concat([data.subarray(0, 10), Buffer.from(header, 'latin1'), data.subarray(10 + length)]));
}

describeWithServer('recordings left in the shared Janus folder', HAS_TOOLS, 'no janus-pp-rec or ffmpeg (apt-get install janus-tools ffmpeg)', () => {
  let api: TestApi;
  let calls: NodeCalls;

  beforeAll(async () => {
    api = await startTestApi();
    await api.createSession(SESSION, { student: 'student1' });
    await api.as('student1', `mutation { checkIn(id: "${SESSION}", userAgent: "Chromium 156") { status } }`);
    await api.as('student1', `mutation { startSession(id: "${SESSION}") { status } }`);
    calls = await NodeCalls.open(api.core.db, async () => null);
  });
  afterAll(async () => {
    await calls?.close();
    await api?.close();
  });

  it('stores those of an earlier run and of a node that is gone, and leaves a connected node\'s own (it may still be writing them)', async () => {
    const recordingsDir = join(mkdtempSync(join(tmpdir(), 'sweep-')), 'recordings');
    const room = join(recordingsDir, SESSION);
    mkdirSync(room, { recursive: true });
    const bases = { older: 'camera-1795800371471', gone: 'camera-abc123-1795800381471', ours: `camera-${NODE_TAG}-1795800391471` };
    for (const base of Object.values(bases)) {
      recordedNow('camera-1795800371471-video-1.mjr', join(room, `${base}-video-1.mjr`));
      recordedNow('camera-1795800371471-audio-0.mjr', join(room, `${base}-audio-0.mjr`));
    }
    const pipeline = new RecordingPipeline({
      core: api.core, blobs: new LocalBlobStore(join(recordingsDir, '..', 'blobs')), recordingsDir, tools: DEFAULT_TOOLS, log: { info() {}, warn: (o: object, m: string) => console.warn(m, o), error: (o: object, m: string) => console.error(m, o) },
    });
    const sweep = () => pipeline.sweep((tags) => calls.connectedTags(tags));
    await Promise.all([sweep(), sweep()]); // a second look while the first is converting queues nothing twice
    await pipeline.drained();
    const recordings = async () => (await api.as('admin', `{ session(id: "${SESSION}") { recordings { track seq } } }`)).session.recordings;
    await eventually(async () => (await recordings()).length >= 2, 10_000).catch(() => null);
    expect(await recordings()).toEqual([{ track: 'camera', seq: 0 }, { track: 'camera', seq: 1 }]);
    expect(readdirSync(room).sort()).toEqual([`${bases.ours}-audio-0.mjr`, `${bases.ours}-video-1.mjr`]);
    await sweep();
    await pipeline.drained();
    expect(await recordings()).toHaveLength(2);
  }, 60_000);
});
