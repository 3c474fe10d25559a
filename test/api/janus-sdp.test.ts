import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { JanusEngine } from '../../src/media/janus/engine.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, freePort } from '../support/servers.js';

// Janus's control plane only: what is refused is refused before any media.
const HAS_JANUS = existsSync('/usr/bin/janus');

describeWithServer('an SDP sent to the janus engine', HAS_JANUS, 'no Janus (apt-get install janus)', () => {
  let api: TestApi;

  beforeAll(async () => {
    const port = await freePort();
    api = await startTestApi({ media: 'janus' }, {
      janus: (core, dataDir) => JanusEngine.start({ core, blobs: new LocalBlobStore(join(dataDir, 'blobs')), dir: join(dataDir, 'janus'), port }),
    });
    await api.createSession('sdp-1', { student: 'student1' });
    await api.as('student1', `mutation { checkIn(id: "sdp-1", userAgent: "Chromium 156") { status } }`);
    await api.as('student1', `mutation { startSession(id: "sdp-1") { status } }`);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  const publish = (sdp: string) => api.errorCode('student1', `mutation($s: String!) { publishMedia(sessionId: "sdp-1", track: "camera", sdp: $s) }`, { s: sdp });
  const answer = (sdp: string) => api.errorCode('proctor1', `mutation($s: String!) { startWatching(sessionId: "sdp-1", watchId: "w", sdp: $s) }`, { s: sdp });

  it('refuses one with a control character, a broken character, past 64 KB or not an SDP, before Janus or another node sees it', async () => {
    for (const sdp of ['v=0\r\no=- 1 1 IN IP4 0.0.0.0\u0000\r\n', 'v=0\r\ns=\u001b[31m\r\n', 'v=0\r\ns=\ud800\r\n', `v=0\r\n${'a=x\r\n'.repeat(20_000)}`, 'hello']) {
      expect(await publish(sdp), JSON.stringify(sdp.slice(0, 30))).toBe('BAD_USER_INPUT');
      expect(await answer(sdp), JSON.stringify(sdp.slice(0, 30))).toBe('BAD_USER_INPUT');
    }
  });

  it('takes line breaks and tabs as an SDP has them: Janus then judges it (an unusable offer is its error, not ours)', async () => {
    expect(await publish('v=0\r\ns=\t-\r\n')).not.toBe('BAD_USER_INPUT');
  });
});
