import { auth } from '../auth.svelte.js';

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

const DB = 'proctor-recordings';
const STORE = 'pending';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const req = fn(t.objectStore(STORE));
    t.oncomplete = () => {
      db.close();
      resolve(req.result);
    };
    t.onerror = () => reject(t.error);
  });
}

const keyOf = (s: Segment) => `${s.sessionId}/${s.track}/${s.seq}`;

export async function upload(segment: Segment): Promise<void> {
  const q = new URLSearchParams({ sessionId: segment.sessionId, track: segment.track, seq: String(segment.seq), start: segment.start, durationMs: String(Math.round(segment.durationMs)) });
  const res = await fetch(`/recordings?${q}`, { method: 'POST', headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {}, body: segment.blob });
  if (res.status >= 500 || res.status === 0) throw new Error(`upload failed (${res.status})`);
  if (!res.ok) {
    // A 4xx will not get better with retries (refused, or the session is gone): say so and drop it.
    console.warn('recording segment refused', res.status, await res.text().catch(() => ''));
  }
}

/** Uploads with a few quick retries; on failure the segment is kept in IndexedDB for `flushPending`. */
export async function deliver(segment: Segment, retries = 3): Promise<boolean> {
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      if (!navigator.onLine) break;
      await upload(segment);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
  await tx('readwrite', (store) => store.put({ key: keyOf(segment), ...segment }));
  return false;
}

/** Uploads every kept segment, oldest first; stops at the first failure (still offline). Answers how many went up. */
export async function flushPending(): Promise<number> {
  const pending = (await tx('readonly', (store) => store.getAll())) as Array<Segment & { key: string }>;
  pending.sort((a, b) => a.start.localeCompare(b.start));
  let sent = 0;
  for (const segment of pending) {
    try {
      await upload(segment);
      await tx('readwrite', (store) => store.delete(segment.key));
      sent += 1;
    } catch {
      break;
    }
  }
  return sent;
}

export async function pendingCount(): Promise<number> {
  return (await tx('readonly', (store) => store.count())) as number;
}

export class SegmentRecorder {
  private recorder: MediaRecorder | null = null;
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** Segments handed to `deliver` but not settled yet. */
  readonly inFlight = new Set<Promise<boolean>>();

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
    const seq = this.seq++;
    recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    recorder.onstop = () => {
      const durationMs = Date.now() - startedAt.getTime();
      if (chunks.length) {
        const blob = new Blob(chunks, { type: chunks[0].type || 'video/webm' });
        const p = deliver({ sessionId: this.sessionId, track: this.track, seq, start: startedAt.toISOString(), durationMs, blob });
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
    };
    recorder.start();
    this.recorder = recorder;
    this.timer = setTimeout(() => {
      recorder.stop();
      this.next();
    }, this.segmentMs);
  }

  /** Ends the current segment (it is still uploaded). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.recorder?.state === 'recording') this.recorder.stop();
  }
}
