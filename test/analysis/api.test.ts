import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingAnalyser, type RecordingAnalyser } from '../../src/app/analysis/recording-analyser.js';
import { forgetFfmpeg } from '../../src/media/analysis/ffmpeg.js';
import { FaceAnalysisPool } from '../../src/media/faces/pool.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON, testPostgresUrl } from '../support/servers.js';
import { makeClip, pictures } from './clips.js';
import { reportClean, serverBlobs, sessionInProgress, timelineOf, uploadSegment } from './session.js';

const url = testPostgresUrl();
const ENGINES: Array<[string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
const METRICS = ['c2', 'c3', 'm2', 't1'];
const CLIENT_METRICS = ['c2', 'c3', 'm2'];

// One face thread and one empty-room clip for both engines: the machine is shared.
const pool = new FaceAnalysisPool({ threads: 1 });
let emptyRoom: Promise<Buffer> | null = null;
const emptyRoomClip = () => (emptyRoom ??= pictures.noFace().then((picture) => makeClip({ picture, seconds: 10 })));
afterAll(() => pool.close());

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`a session whose browser reported nothing ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  let analyser: RecordingAnalyser;
  const warnings: string[] = [];
  const log = { info() {}, warn: (_: object, msg?: string) => void warnings.push(msg ?? ''), error: (_: object, msg?: string) => void warnings.push(msg ?? '') };

  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
    analyser = startRecordingAnalyser(api.core, await serverBlobs(api), { analyzer: pool, log });
  }, 60_000);
  afterAll(async () => {
    await analyser?.stop();
    await api?.close();
  });

  describe('when its recording shows nobody in front of the camera', () => {
    it('raises t1 from the recording alone, with both values, and weighs it in the score', async () => {
      const start = await sessionInProgress(api, 'tampered', METRICS);
      await reportClean(api, 'tampered', 0, CLIENT_METRICS);
      await uploadSegment(api, 'tampered', 0, start, await emptyRoomClip());
      await analyser.idle();
      const [analysed] = await timelineOf(api, 'tampered', 'RecordingAnalysed');
      expect(analysed).toMatchObject({ kind: 'recording', track: 'camera', seq: 0, skipped: null });
      expect(analysed.seconds.filter((s: { faces: number }) => s.faces === 0)).toHaveLength(10);
      expect(await timelineOf(api, 'tampered', 'ClientReportContradicted')).toEqual([
        { kind: 'violation', type: 'ClientReportContradicted', minute: 0, code: 'c2', server: 100, client: 0, seconds: 10, at: expect.any(String) },
      ]);
      const data = await api.as('proctor1', `query { session(id: "tampered") { minutes { minute values { code value } } } }`);
      expect(data.session.minutes[0].values).toContainEqual({ code: 't1', value: 100 });
      await api.as('student1', `mutation { finishSession(id: "tampered") { id } }`);
      const scored = await api.as('proctor1', `query { session(id: "tampered") { score scoreBreakdown { terms { code share weight } } } }`);
      expect(scored.session.scoreBreakdown.terms).toContainEqual({ code: 't1', share: 100, weight: 1 });
      expect(scored.session.score).toBe(0);
    }, 240_000);
  });

  if (engine !== 'on PGlite') return;

  describe('when ffmpeg is not installed', () => {
    it('records each segment as skipped, and says so in the log once', async () => {
      const saved = process.env.FFMPEG_PATH;
      process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
      forgetFfmpeg();
      try {
        const start = await sessionInProgress(api, 'no-ffmpeg', METRICS);
        await uploadSegment(api, 'no-ffmpeg', 0, start, await emptyRoomClip());
        await analyser.idle();
        expect(await timelineOf(api, 'no-ffmpeg', 'RecordingAnalysed')).toMatchObject([{ seconds: [], skipped: 'ffmpeg not installed' }]);
        expect(warnings.filter((w) => /ffmpeg not installed/.test(w))).toEqual(['analysis: skipped: ffmpeg not installed']);
      } finally {
        if (saved === undefined) delete process.env.FFMPEG_PATH;
        else process.env.FFMPEG_PATH = saved;
        forgetFfmpeg();
      }
    }, 120_000);
  });
});
