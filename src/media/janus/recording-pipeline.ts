import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Core } from '../../app/core/core.js';
import { ServerSegments } from '../../app/recordings/server-segments.js';
import type { BlobStore } from '../blob-store.js';
import { checkWebm } from '../webm.js';
import type { PublishedTrack, Publisher } from './publisher.js';
import { NODE_TAG } from '../../store/sql.js';
import { baseOwner, baseTime, convertRecording, recordingBase, groupRecordings, mjrHasVp8Keyframe, readMjrHeader, UnwrittenRecording, type RecordingFiles, type Tools } from './recording.js';
import { sessionBlobs } from '../sealed/sealed-blob-store.js';

/**
 * Waits between the looks for a new recording's first keyframe (the first comes past 300 ms: libwebrtc acts on one
 * keyframe request in 300 ms, so asking again sooner would be dropped too). After the last, the next cycle asks.
 */
const KEYFRAME_LOOKS_MS = [400, 1000, 2000, 4000] as const;

export interface JanusLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RecordingPipelineOptions {
  readonly core: Core;
  readonly blobs: BlobStore;
  /** Where Janus writes: one folder per session (see `roomDir`). */
  readonly recordingsDir: string;
  readonly segmentMs?: number;
  readonly tools: Tools;
  readonly log: JanusLog;
}

/**
 * From Janus's recordings to segments: each publisher's recording is cycled every segment, each finished piece is
 * queued, converted to WebM (tried again while Janus may still be writing it), stored in the blob store and recorded
 * as RecordingSegmentStored under the track's next number; a piece that cannot be made is set aside and recorded
 * lost. One conversion runs at a time.
 */
export class RecordingPipeline {
  /** Numbers and records the segments (the application layer writes; this side converts and keeps the content). */
  private readonly segments: ServerSegments;
  private conversions: Promise<void> = Promise.resolve();
  private pendingCount = 0;
  /** Set when closing ran out of time: recordings not converted yet are left for the next start's sweep. */
  private leaveTheRest = false;
  /** Recordings queued and not yet stored (session/base): a sweep does not queue one twice. */
  private readonly queued = new Set<string>();
  /** Keyframes asked for because a new recording had none yet (for the logs and the tests). */
  keyframesAsked = 0;

  constructor(private readonly options: RecordingPipelineOptions) {
    this.segments = new ServerSegments(options.core);
  }

  /** Recordings queued or being converted now. */
  get pending(): number {
    return this.pendingCount;
  }

  roomDir(sessionId: string): string {
    return join(this.options.recordingsDir, encodeURIComponent(sessionId));
  }

  /**
   * Ends each publisher's current recording and starts the next, so segments reach the store while the exam runs.
   * A step Janus did not acknowledge is taken again at the next cycle: a publisher is never left unrecorded for
   * the rest of the exam because one request timed out under load.
   */
  async cycle(publishers: Iterable<Publisher>): Promise<void> {
    await Promise.all([...publishers].map(async (p) => {
      if (p.closed || p.cycling) return;
      p.cycling = true;
      try {
        const finished = p.base;
        if (finished) {
          await p.handle.configure({ record: false });
          // closePublisher may have queued it meanwhile (and cleared base): never twice.
          if (p.base !== finished) return;
          p.base = null;
          this.queue(p.sessionId, p.track, finished);
        }
        if (p.closed) return;
        const next = recordingBase(p.track, NODE_TAG, Date.now());
        await p.handle.configure({ record: true, filename: next });
        p.base = next;
        if (p.closed) { // closed while Janus started it: what it wrote is stored like any other piece
          p.base = null;
          this.queue(p.sessionId, p.track, next);
        } else {
          void this.untilKeyframe(p, next);
        }
      } catch (error) {
        this.options.log.warn({ err: error, sessionId: p.sessionId, track: p.track }, 'could not cycle a Janus recording; trying again at the next cycle');
      } finally {
        p.cycling = false;
      }
    }));
  }

  /**
   * Janus asks the browser for a keyframe as a recording starts, and records video from the first one. The browser
   * drops that request when another came less than 300 ms before (a watcher switching layers asks for one), and Janus
   * asks by itself only `fir_freq` after the last keyframe: the piece then held nothing for a whole segment (the
   * camera: an empty file) or no picture to start from (the screen: a broken WebM). So until the piece being written
   * holds a keyframe, Janus is asked again.
   */
  private async untilKeyframe(p: Publisher, base: string): Promise<void> {
    const dir = this.roomDir(p.sessionId);
    for (const [i, waitMs] of KEYFRAME_LOOKS_MS.entries()) {
      await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
      if (p.closed || p.base !== base) return;
      const video = groupRecordings(await readdir(dir).catch(() => [])).find((f) => f.base === base)?.video;
      if (!video) return; // a publisher without video
      if (mjrHasVp8Keyframe(await readFile(join(dir, video)).catch(() => Buffer.alloc(0)))) return;
      if (p.closed || p.base !== base) return;
      if (i === KEYFRAME_LOOKS_MS.length - 1) {
        this.options.log.warn({ sessionId: p.sessionId, track: p.track, base }, 'no keyframe in a Janus recording yet, though asked for; the next cycle asks again');
        return;
      }
      this.keyframesAsked += 1;
      await p.handle.configure({ keyframe: true }).catch((error) => this.options.log.warn({ err: error, sessionId: p.sessionId, track: p.track }, 'could not ask Janus for a keyframe'));
    }
  }

  queue(sessionId: string, track: PublishedTrack, base: string): void {
    const key = `${sessionId}/${base}`;
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.pendingCount += 1;
    this.conversions = this.conversions
      .then(() => (this.leaveTheRest ? undefined : this.store(sessionId, track, base)))
      .catch((error) => this.options.log.error({ err: error, sessionId, base }, 'could not store a Janus recording'))
      .finally(() => {
        this.pendingCount -= 1;
        this.queued.delete(key);
      });
  }

  /** Resolves when every recording finished so far is converted and stored. */
  async drained(): Promise<void> {
    while (this.pendingCount > 0) await this.conversions;
  }

  /**
   * Stores what is queued; with `budgetMs`, what is still unconverted after it stays on disk for the next start's
   * sweep (the one being converted then is finished first).
   */
  async drain(budgetMs?: number): Promise<void> {
    if (budgetMs === undefined) return this.drained();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outOfTime = new Promise<void>((resolve) => (timer = setTimeout(() => resolve(), budgetMs)));
    await Promise.race([this.drained(), outOfTime]);
    clearTimeout(timer);
    if (this.pendingCount > 0) {
      this.options.log.warn({ pending: this.pendingCount }, 'recordings left for the next start to store');
      this.leaveTheRest = true;
      await this.drained();
    }
  }

  /**
   * Recordings nobody will store are converted and stored now: those left by an earlier run of this node (a crash,
   * a restart mid-exam) or by a node that is gone. Nodes may share the folder (one volume for all): a recording of a
   * node still connected (`connected` answers which) is that node's to store, even while it is being written.
   */
  async sweep(connected: (tags: readonly string[]) => Promise<Set<string>>): Promise<void> {
    const dir = this.options.recordingsDir;
    const found: Array<{ sessionId: string; track: PublishedTrack; base: string; owner: string | null }> = [];
    for (const folder of await readdir(dir).catch(() => [] as string[])) {
      const sessionId = decodeURIComponent(folder);
      for (const files of groupRecordings(await readdir(join(dir, folder)).catch(() => []))) {
        const track = files.base.split('-')[0];
        if (track === 'camera' || track === 'screen') found.push({ sessionId, track, base: files.base, owner: baseOwner(files.base) });
      }
    }
    if (!found.length) return;
    const live = await connected([...new Set(found.map((f) => f.owner).filter((o): o is string => o !== null))]);
    for (const f of found) if (f.owner === null || !live.has(f.owner)) this.queue(f.sessionId, f.track, f.base);
  }

  /** Converts one finished recording into a segment: blob store, then RecordingSegmentStored. */
  private async store(sessionId: string, track: PublishedTrack, base: string): Promise<void> {
    const dir = this.roomDir(sessionId);
    const files = groupRecordings(await readdir(dir).catch(() => [])).find((f) => f.base === base);
    if (!files) {
      this.options.log.warn({ sessionId, track, base }, 'Janus wrote no file for a recording');
      return;
    }
    const segment = await this.convert(dir, files, sessionId, track, base);
    if (segment) {
      await sessionBlobs(this.options.blobs, sessionId).put(segment.sha256, segment.data);
      await this.segments.store(sessionId, track, { start: segment.start, durationMs: segment.durationMs, size: segment.data.length, sha256: segment.sha256 });
    }
    await Promise.all([files.video, files.audio].filter(Boolean).map((f) => rm(join(dir, f!), { force: true })));
  }

  /**
   * A failed conversion is tried again a little later before the piece is set aside and recorded lost: a publisher
   * that left may still have its files being closed by Janus. (The two failures CI showed, an empty camera file and a
   * screen piece that made a broken WebM, were pieces that got no keyframe: see `untilKeyframe`.) The WebM made is
   * checked as an upload would be: a broken one counts as a failed conversion.
   */
  private async convert(dir: string, files: RecordingFiles, sessionId: string, track: PublishedTrack, base: string) {
    let segment: Awaited<ReturnType<typeof convertRecording>> = null;
    for (let attempt = 1; ; attempt++) {
      try {
        segment = await convertRecording(dir, files, dir, this.options.tools);
        const verdict = segment ? checkWebm(segment.data) : null;
        if (verdict && !verdict.ok) throw new Error(`the converted segment is broken: ${verdict.reason}`);
        break;
      } catch (error) {
        // A video file still at Janus's opening bytes after the last wait: no picture came. Nothing is lost when
        // nothing was sent; when the microphone's file of the same piece holds sound, the publisher was sending and
        // the piece is a gap the protocol must show.
        if (error instanceof UnwrittenRecording && attempt >= 3) {
          if (!(await this.heldSound(dir, files))) {
            this.options.log.warn({ sessionId, track, base }, 'a Janus recording held no media: no segment for it');
            break;
          }
          error = new Error('no picture reached the server in this piece (no keyframe came from the camera), though its sound did');
        }
        if (attempt >= 3) {
          await this.setAside(dir, files);
          // A gap with its cause on the protocol, never a recording that does not play.
          await this.recordLost(sessionId, track, base, (error as Error).message).catch((err) => this.options.log.error({ err, sessionId, base }, 'could not record a lost segment'));
          throw error;
        }
        this.options.log.warn({ err: error, sessionId, base, attempt }, 'a Janus recording did not convert; trying again');
        await new Promise((resolve) => setTimeout(resolve, 1500 * attempt));
      }
    }
    return segment;
  }

  /** Whether the piece's microphone file holds a packet. */
  private async heldSound(dir: string, files: RecordingFiles): Promise<boolean> {
    if (!files.audio) return false;
    const header = await readMjrHeader(join(dir, files.audio), this.options.tools).catch(() => null);
    return Boolean(header?.u);
  }

  /**
   * A stretch nothing was recorded in, `from` to `to`, because the publisher was cut (its Janus or its node went
   * away): recorded lost under the next number, with why, so the protocol says what the gap in the recording is.
   */
  async recordGap(sessionId: string, track: PublishedTrack, from: Date, to: Date, reason: string): Promise<void> {
    await this.segments.recordLost(sessionId, track, { start: from, durationMs: Math.max(0, to.getTime() - from.getTime()), reason })
      .catch((err) => this.options.log.error({ err, sessionId, track }, 'could not record a gap in the recording'));
  }

  /** A piece that could not be made into a segment: recorded lost under the next number, with why. */
  private async recordLost(sessionId: string, track: PublishedTrack, base: string, reason: string): Promise<void> {
    const start = new Date(baseTime(base) || Date.now());
    await this.segments.recordLost(sessionId, track, { start, durationMs: this.options.segmentMs ?? 10_000, reason });
  }

  /** A recording that cannot be converted is kept aside (renamed .failed) for a person to look at. */
  private async setAside(dir: string, files: RecordingFiles): Promise<void> {
    await Promise.all([files.video, files.audio].filter(Boolean).map((f) => rename(join(dir, f!), join(dir, `${f}.failed`)).catch(() => {})));
  }
}
