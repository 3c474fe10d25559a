import { auth } from '../auth.svelte.js';
import { Outbox } from '../supervisor/outbox.js';
import { holdsFrames } from './webm-frames.js';

/**
 * Records a stream in self-contained WebM segments (each playable alone: the recorder restarts for every segment)
 * and uploads each with retries. A segment that cannot be uploaded waits in IndexedDB and goes up after reconnect,
 * so a network cut loses nothing.
 */
export interface Segment {
  sessionId: string;
  track: 'camera' | 'screen' | 'mobile';
  seq: number;
  start: string;
  durationMs: number;
  blob: Blob;
}

/**
 * Throws when worth retrying: the network, a 5xx, or a segment the server found broken (it arrives whole the next
 * time if it was damaged on the way; after three tries the server records it lost and says so, and it is dropped).
 * Any other 4xx will not get better, so it is reported and dropped.
 */
export async function upload(segment: Segment): Promise<void> {
  const q = new URLSearchParams({ sessionId: segment.sessionId, track: segment.track, seq: String(segment.seq), start: segment.start, durationMs: String(Math.round(segment.durationMs)) });
  const res = await fetch(`/recordings?${q}`, { method: 'POST', headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {}, body: segment.blob });
  if (res.status >= 500 || res.status === 0) throw new Error(`upload failed (${res.status})`);
  if (res.status === 422) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; lost?: boolean };
    if (!body.lost) throw new Error(body.error ?? 'the segment arrived broken');
    console.warn('recording segment lost', body.error);
    return;
  }
  if (!res.ok) console.warn('recording segment refused', res.status, await res.text().catch(() => ''));
}

/** Segments that could not be uploaded wait here (IndexedDB) until `flush`: after reconnect, or on the next visit. */
export const pendingSegments = new Outbox<Segment>(
  'recordings',
  (s) => `${s.sessionId}/${s.track}/${String(s.seq).padStart(10, '0')}`,
  upload,
);

/** Uploads with a few quick retries; on failure the segment waits in the outbox. */
export async function deliver(segment: Segment, retries = 3): Promise<boolean> {
  for (let attempt = 0; attempt < retries && navigator.onLine; attempt++) {
    try {
      await upload(segment);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
  return pendingSegments.deliver(segment);
}

/** Segment numbers count seconds from here, so a reloaded page never reuses the number of a stored segment. */
const SEQ_EPOCH = Date.UTC(2026, 0, 1);

export class SegmentRecorder {
  private recorder: MediaRecorder | null = null;
  private seq = -1;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** Segments handed to `deliver` but not settled yet. */
  readonly inFlight = new Set<Promise<boolean>>();
  /** Recorders told to stop that have not handed over their last data yet (one at a segment's turn, one at the end). */
  private readonly finishing = new Set<Promise<void>>();

  constructor(
    private readonly stream: MediaStream,
    private readonly sessionId: string,
    private readonly track: Segment['track'],
    private readonly segmentMs = 10_000,
  ) {}

  start(): void {
    this.next();
  }

  private next(): void {
    if (this.stopped || this.stream.getTracks().every((t) => t.readyState === 'ended')) return;
    const mimeType = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp8', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t));
    const recorder = new MediaRecorder(this.stream, mimeType ? { mimeType, videoBitsPerSecond: 400_000 } : undefined);
    const chunks: Blob[] = [];
    const startedAt = new Date();
    const seq = (this.seq = Math.max(this.seq + 1, Math.floor((startedAt.getTime() - SEQ_EPOCH) / 1000)));
    recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    recorder.onstop = () => {
      const durationMs = Date.now() - startedAt.getTime();
      if (!chunks.length) return;
      const blob = new Blob(chunks, { type: chunks[0].type || 'video/webm' });
      const segment: Segment = { sessionId: this.sessionId, track: this.track, seq, start: startedAt.toISOString(), durationMs, blob };
      // Held in `inFlight` from here, so whoever waits for the last segments waits for this one too.
      const p = holdsFrames(blob).then((frames) => {
        if (frames) return deliver(segment);
        console.info(`nothing recorded in the ${this.track} segment begun at ${segment.start}: not uploaded`);
        return true;
      });
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    };
    recorder.start();
    this.recorder = recorder;
    this.timer = setTimeout(() => {
      this.finish(recorder);
      this.next();
    }, this.segmentMs);
  }

  private finish(recorder: MediaRecorder): void {
    if (recorder.state === 'inactive') return;
    const handedOver = new Promise<void>((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true }));
    this.finishing.add(handedOver);
    void handedOver.then(() => this.finishing.delete(handedOver));
    recorder.stop();
  }

  /**
   * Ends the current segment (it is still uploaded). Settles once every recorder has handed over its last data, or
   * after `patienceMs`: only then may the tracks be stopped, since Chromium drops what a recorder has not written out
   * when its track ends first (measured: 5 of 6 one-second segments came out as a 110-byte header without a frame;
   * none when the tracks ended after the recorders' `stop`). Typically tens of milliseconds; seconds on a computer
   * too busy to encode in time, and waiting costs only the camera light staying on after the exam has ended.
   */
  async stop(patienceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.recorder) this.finish(this.recorder);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const handedOver = await Promise.race([
      Promise.all(this.finishing).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), patienceMs))),
    ]);
    clearTimeout(timer);
    if (!handedOver) console.warn(`the ${this.track} recorder did not hand over its last data within ${patienceMs / 1000} s: the end of its recording may be lost`);
  }
}
