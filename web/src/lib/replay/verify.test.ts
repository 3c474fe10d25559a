import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signedPayload } from '../../../../src/domain/chain/chain.js';
import { chainKeys } from '../../../../src/store/chain-keys.js';
import { eventHash } from '../../../../src/store/validate.js';
import type { ReplayEvent } from './replay.js';
import { verifyStream, type SignedAnchor } from './verify.js';

const keys = chainKeys('a test secret for the event chain, long enough');
const STREAM = 'session-v1';

/** A stream hashed by the server's own code (src/store/validate.ts), its head signed by the server's key. */
function serverStream(): { events: ReplayEvent[]; anchor: SignedAnchor } {
  const events: ReplayEvent[] = [];
  const datas = [{ name: 'Exam', z: 1, a: [1, 2.5, { y: 'ü', b: null }] }, { text: 'line\nbreak "quoted" ✓' }, { minute: 0, values: { b2: 12 } }];
  for (const [i, data] of datas.entries()) {
    const e = { id: `0000000${i}-0000-4000-8000-00000000000${i}`.toUpperCase(), streamId: STREAM, streamVersion: i, type: 'NoteAdded', data, metadata: { actor: 'p', role: 'proctor' },
      recordedAt: new Date(Date.UTC(2026, 0, 1, 9, 0, i)), prevHash: i ? events[i - 1].hash : null };
    events.push({ ...e, recordedAt: e.recordedAt.toISOString(), hash: eventHash(e) });
  }
  const unsigned = { heads: [{ stream: 'other', version: 4, hash: 'f'.repeat(64) }, { stream: STREAM, version: 2, hash: events[2].hash }], previous: null, through: '42', keyId: keys.keyId, at: '2026-01-01T09:00:10.000Z' };
  const signature = sign(null, Buffer.from(signedPayload(unsigned)), keys.signingKey).toString('base64');
  return { events: JSON.parse(JSON.stringify(events)), anchor: { version: 2, hash: events[2].hash, checkpoint: { ...unsigned, signature } } };
}

describe('the chain checked in the browser (WebCrypto)', () => {
  it('agrees with the server\'s hashes and signature on an untouched stream', async () => {
    const { events, anchor } = serverStream();
    expect(await verifyStream(STREAM, events, anchor, keys.publicKeyBase64)).toMatchObject({ ok: true, problem: null, signedVersion: 2, unsignedTail: 0, keyId: keys.keyId });
  });

  it('shows an edited event broken at that event, and the ones after it unchecked', async () => {
    const { events, anchor } = serverStream();
    (events[1].data as { text: string }).text = 'edited';
    const report = await verifyStream(STREAM, events, anchor, keys.publicKeyBase64);
    expect(report).toMatchObject({ ok: false, brokenAt: 1 });
    expect(report.links.map((l) => l.kind)).toEqual(['ok', 'broken', 'after-break']);
  });

  it('catches a rewrite with recomputed hashes at the signed head, and a forged signature', async () => {
    const { events, anchor } = serverStream();
    events[2] = { ...events[2], data: { minute: 0, values: { b2: 0 } } };
    events[2].hash = eventHash({ ...events[2], streamId: STREAM, recordedAt: new Date(events[2].recordedAt) });
    expect(await verifyStream(STREAM, events, anchor, keys.publicKeyBase64)).toMatchObject({ ok: false, brokenAt: 2, problem: expect.stringContaining('rewritten') });
    const forged = { ...anchor, hash: events[2].hash, checkpoint: { ...anchor.checkpoint, heads: [{ stream: STREAM, version: 2, hash: events[2].hash }] } };
    expect(await verifyStream(STREAM, events, forged, keys.publicKeyBase64)).toMatchObject({ ok: false, problem: expect.stringContaining('does not verify') });
  });

  it('says events were removed when the signed head is gone', async () => {
    const { events, anchor } = serverStream();
    expect(await verifyStream(STREAM, events.slice(0, 2), anchor, keys.publicKeyBase64)).toMatchObject({ ok: false, problem: expect.stringContaining('events were removed') });
  });
});
