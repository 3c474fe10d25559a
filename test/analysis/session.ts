import { openBlobStore } from '../../src/media/blob-config.js';
import type { BlobStore } from '../../src/media/blob-store.js';
import { sealedWhenKeyed } from '../../src/media/sealed/sealed-blob-store.js';
import type { TestApi } from '../support/api.js';

/** The blob store the test API's server uses (the same directory and keys), for an analyser started beside it. */
export async function serverBlobs(api: TestApi): Promise<BlobStore> {
  return sealedWhenKeyed(await openBlobStore(api.config), api.core.db, api.config.masterKey);
}

/** A session of student1 in progress that counts `metrics`; answers when it started (as near as the test can tell). */
export async function sessionInProgress(api: TestApi, id: string, metrics: readonly string[]): Promise<Date> {
  await api.createSession(id, { metrics });
  await api.as('student1', `mutation($id: ID!) { checkIn(id: $id, userAgent: "Chromium") { id } }`, { id });
  await api.as('student1', `mutation($id: ID!) { startSession(id: $id) { id } }`, { id });
  return new Date();
}

/** Uploads a camera (or screen) segment as the test-taker's recorder does. */
export async function uploadSegment(api: TestApi, sessionId: string, seq: number, start: Date, webm: Buffer, track = 'camera', seconds = 10, student = 'student1'): Promise<number> {
  const q = new URLSearchParams({ sessionId, track, seq: String(seq), start: start.toISOString(), durationMs: String(seconds * 1000) });
  const res = await fetch(`${api.server.url}/recordings?${q}`, { method: 'POST', headers: { authorization: `Bearer ${await api.login(student)}` }, body: new Uint8Array(webm) });
  if (res.status !== 201) throw new Error(`upload refused: ${res.status} ${await res.text()}`);
  return res.status;
}

/** The browser's report for a minute: every metric clean. */
export async function reportClean(api: TestApi, sessionId: string, minute: number, codes: readonly string[]): Promise<void> {
  await api.as('student1', `mutation($s: ID!, $m: Int!, $v: [MetricValueInput!]!) { recordMetrics(sessionId: $s, minute: $m, values: $v) { id } }`, {
    s: sessionId, m: minute, v: codes.map((code) => ({ code, value: 0 })),
  });
}

/** The session's timeline entries of one event type, as a proctor reads them. */
export async function timelineOf(api: TestApi, sessionId: string, type: string): Promise<Array<Record<string, any>>> {
  const data = await api.as('proctor1', `query($id: ID!) { session(id: $id) { timeline { type kind data } } }`, { id: sessionId });
  return (data.session.timeline as Array<{ type: string; kind: string; data: Record<string, any> }>).filter((e) => e.type === type).map((e) => ({ kind: e.kind, ...e.data }));
}
