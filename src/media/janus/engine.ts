import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Janode, { type Connection, type Session } from 'janode';
import VideoRoom, { type StreamInfo, type VideoRoomHandle } from 'janode/plugins/videoroom';
import type { Core } from '../../core.js';
import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { sessionStreamId } from '../../domain/session/events.js';
import { ForbiddenError, IllegalStateError, NotFoundError } from '../../domain/core/errors.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import { recordingSegments } from '../../projections/protocol/queries.js';
import type { BlobStore } from '../blob-store.js';
import { checkWebm } from '../webm.js';
import { startJanus, type RunningJanus } from './process.js';
import { baseTime, convertRecording, DEFAULT_TOOLS, groupRecordings, type RecordingFiles, type Tools } from './recording.js';

/** What the participant publishes: the camera (with the microphone) and the screen, each its own Janus publisher. */
export type PublishedTrack = 'camera' | 'screen';
export const PUBLISHED_TRACKS: readonly PublishedTrack[] = ['camera', 'screen'];

/** Simulcast layers the browser sends for the camera (rid l, rid h): tiles get layer 0, the active tile layer 1. */
const TILE_LAYER = 0;
const FULL_LAYER = 1;

export interface JanusEngineOptions {
  readonly core: Core;
  readonly blobs: BlobStore;
  /** Our folder: the Janus configuration (when we start it) and the recordings. */
  readonly dir: string;
  /** A running Janus to use (ws://…) instead of starting one; it must share `dir`'s file system and use string room ids. */
  readonly url?: string | null;
  readonly binary?: string;
  readonly port?: number;
  readonly libDir?: string;
  readonly publicIp?: string | null;
  readonly stunServer?: string | null;
  readonly rtpPortRange?: string;
  /** Length of a recording segment: Janus's recording of each publisher is cycled this often. */
  readonly segmentMs?: number;
  readonly tools?: Tools;
  readonly log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export interface WatchOffer {
  readonly watchId: string;
  readonly sdp: string;
  /** Which of the offer's m-lines carries what: `feed` is camera or screen. */
  readonly streams: ReadonlyArray<{ readonly mid: string; readonly feed: string; readonly kind: string }>;
}

interface Publisher {
  readonly sessionId: string;
  readonly track: PublishedTrack;
  readonly handle: VideoRoomHandle;
  /** The recording base being written now, or null between two. */
  base: string | null;
  closed: boolean;
}

interface Watch {
  readonly sessionId: string;
  readonly viewer: string;
  readonly handle: VideoRoomHandle;
  readonly streams: readonly StreamInfo[];
  active: boolean;
  started: boolean;
}

const quiet = { info() {}, warn() {}, error() {} };
const SESSION_STREAM = sessionStreamId('');
/** Events after which a session's room records nobody. */
const ENDS_RECORDING = new Set(['SessionFinished', 'SessionCancelled']);

/**
 * The `janus` media engine: Debian's Janus with its VideoRoom plugin, driven through janode. One room per exam
 * session (created on demand, named by the session id); the test-taker's browser publishes its camera+microphone
 * and its screen once each, every watcher subscribes to them through Janus. Janus records each publisher (.mjr);
 * the recording is cycled every `segmentMs`, and each finished piece becomes a WebM segment in the blob store and a
 * RecordingSegmentStored event, exactly like the segments browsers upload in p2p mode.
 */
export class JanusEngine {
  private janus: RunningJanus | null = null;
  private connection: Connection | null = null;
  private session: Promise<Session> | null = null;
  private control: Promise<VideoRoomHandle> | null = null;
  private readonly rooms = new Map<string, Promise<void>>();
  private readonly publishers = new Map<string, Publisher>();
  private readonly watches = new Map<string, Watch>();
  private readonly seqs = new Map<string, number>();
  private conversions: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Set when closing ran out of time: recordings not converted yet are left for the next start's sweep. */
  private leaveTheRest = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopFollowing: () => void = () => {};
  private closing = false;
  private readonly log: NonNullable<JanusEngineOptions['log']>;
  private readonly tools: Tools;
  readonly recordingsDir: string;

  private constructor(private readonly options: JanusEngineOptions) {
    this.log = options.log ?? quiet;
    this.tools = options.tools ?? DEFAULT_TOOLS;
    this.recordingsDir = join(options.dir, 'recordings');
  }

  /** Starts Janus (or connects to `url`), converts recordings left from an earlier run, and starts cycling. */
  static async start(options: JanusEngineOptions): Promise<JanusEngine> {
    const engine = new JanusEngine(options);
    mkdirSync(engine.recordingsDir, { recursive: true });
    Janode.Logger.setLevel('error');
    let url = options.url ?? null;
    if (!url) {
      engine.janus = await startJanus({
        dir: join(options.dir, 'config'),
        wsPort: options.port ?? 8188,
        binary: options.binary,
        libDir: options.libDir,
        publicIp: options.publicIp,
        stunServer: options.stunServer,
        rtpPortRange: options.rtpPortRange,
        log: (line) => {
          if (/\[ERR\]|\[FATAL\]/.test(line)) engine.log.warn({ janus: line }, 'janus');
        },
      });
      url = engine.janus.url;
    }
    engine.connection = await Janode.connect({ address: { url }, retry_time_secs: 1, max_retries: 3 });
    engine.connection.on(Janode.EVENT.CONNECTION_CLOSED, () => engine.lost('the connection to Janus closed'));
    engine.connection.on(Janode.EVENT.CONNECTION_ERROR, (e: unknown) => engine.lost(`the connection to Janus failed: ${String(e)}`));
    await engine.sweep();
    engine.timer = setInterval(() => void engine.cycle(), options.segmentMs ?? 10_000);
    engine.stopFollowing = options.core.runner.onApplied((batch) => {
      for (const e of batch.events) {
        if (ENDS_RECORDING.has(e.type) && e.streamId.startsWith(SESSION_STREAM)) void engine.endSession(e.streamId.slice(SESSION_STREAM.length));
      }
    });
    engine.log.info({ url, pid: engine.janus?.pid ?? null }, 'janus media engine ready');
    return engine;
  }

  /** The Janus process we started (null when connected to one given by URL). */
  get pid(): number | null {
    return this.janus?.pid ?? null;
  }

  private lost(reason: string): void {
    if (this.closing) return;
    this.log.error({}, reason);
    this.session = null;
    this.control = null;
    this.rooms.clear();
  }

  private janusSession(): Promise<Session> {
    if (!this.connection) throw new IllegalStateError('the Janus media engine is not running');
    this.session ??= this.connection.create(15).then((s) => {
      s.once(Janode.EVENT.SESSION_DESTROYED, () => this.lost('the Janus session was destroyed'));
      return s;
    });
    return this.session;
  }

  private async attach(): Promise<VideoRoomHandle> {
    return (await this.janusSession()).attach(VideoRoom);
  }

  private controlHandle(): Promise<VideoRoomHandle> {
    this.control ??= this.attach();
    return this.control;
  }

  private roomDir(sessionId: string): string {
    return join(this.recordingsDir, encodeURIComponent(sessionId));
  }

  /** The session's room, created on first use with recording into the session's folder. */
  private ensureRoom(sessionId: string): Promise<void> {
    let room = this.rooms.get(sessionId);
    if (!room) {
      room = (async () => {
        const control = await this.controlHandle();
        await mkdir(this.roomDir(sessionId), { recursive: true });
        const { exists } = await control.exists({ room: sessionId });
        if (!exists) {
          await control.create({
            room: sessionId, description: `session ${sessionId}`, max_publishers: PUBLISHED_TRACKS.length + 1,
            videocodec: 'vp8', audiocodec: 'opus', fir_freq: 10, record: false, rec_dir: this.roomDir(sessionId), notify_joining: false, is_private: true,
          });
        }
      })();
      this.rooms.set(sessionId, room);
      room.catch(() => this.rooms.delete(sessionId));
    }
    return room;
  }

  /**
   * The test-taker's browser publishes one track (its complete SDP offer, candidates included); answers Janus's SDP
   * answer. Publishing again (a reload) replaces the earlier publisher, whose recording is finished and stored.
   */
  async publish(sessionId: string, track: PublishedTrack, offerSdp: string): Promise<string> {
    await this.ensureRoom(sessionId);
    const key = `${sessionId}/${track}`;
    const earlier = this.publishers.get(key);
    if (earlier) await this.closePublisher(earlier);
    const control = await this.controlHandle();
    const { participants } = await control.listParticipants({ room: sessionId });
    if (participants.some((p) => p.feed === track)) await control.kick({ room: sessionId, feed: track }).catch(() => {}); // left by an earlier run of ours
    const handle = await this.attach();
    const publisher: Publisher = { sessionId, track, handle, base: `${track}-${Date.now()}`, closed: false };
    this.publishers.set(key, publisher);
    const ended = () => void this.closePublisher(publisher);
    handle.once(Janode.EVENT.HANDLE_HANGUP, ended);
    handle.once(Janode.EVENT.HANDLE_DETACHED, ended);
    try {
      const joined = await handle.joinConfigurePublisher({
        room: sessionId, feed: track, display: track, record: true, filename: publisher.base!, jsep: { type: 'offer', sdp: offerSdp },
      });
      if (!joined.jsep) throw new Error('Janus answered a publisher without SDP');
      // The session may have ended while this publisher joined, before `endSession` could see it.
      const row = await getMonitorRow(this.options.core.db, sessionId);
      if (row?.status !== 'in_progress' && row?.status !== 'paused') throw new IllegalStateError('cannot publish: the session has ended');
      return joined.jsep.sdp;
    } catch (error) {
      await this.closePublisher(publisher);
      throw error;
    }
  }

  /** The test-taker stops publishing a track (the recording so far is stored). */
  async unpublish(sessionId: string, track: PublishedTrack): Promise<boolean> {
    const publisher = this.publishers.get(`${sessionId}/${track}`);
    if (!publisher) return false;
    await this.closePublisher(publisher);
    return true;
  }

  private async closePublisher(publisher: Publisher): Promise<void> {
    if (publisher.closed) return;
    publisher.closed = true;
    const key = `${publisher.sessionId}/${publisher.track}`;
    if (this.publishers.get(key) === publisher) this.publishers.delete(key);
    await publisher.handle.detach().catch(() => {}); // Janus closes the recording files here
    if (publisher.base) this.queue(publisher.sessionId, publisher.track, publisher.base);
    publisher.base = null;
  }

  /**
   * The session has ended (whoever ended it, whatever the test-taker's browser does next): its publishers are cut
   * and their recordings so far stored, and nobody watches it any more. Nothing of the person is recorded after.
   */
  async endSession(sessionId: string): Promise<void> {
    const watches = [...this.watches].filter(([, w]) => w.sessionId === sessionId).map(([id]) => id);
    const publishers = [...this.publishers.values()].filter((p) => p.sessionId === sessionId);
    if (publishers.length) this.log.info({ sessionId, tracks: publishers.map((p) => p.track) }, 'the session ended: stopping its Janus publishers');
    await Promise.all([...watches.map((id) => this.dropWatch(id)), ...publishers.map((p) => this.closePublisher(p))]);
  }

  /** Ends each publisher's current recording and starts the next, so segments reach the store while the exam runs. */
  async cycle(): Promise<void> {
    await Promise.all([...this.publishers.values()].map(async (p) => {
      const finished = p.base;
      if (!finished || p.closed) return;
      try {
        p.base = null;
        await p.handle.configure({ record: false });
        this.queue(p.sessionId, p.track, finished);
        if (p.closed) return;
        const next = `${p.track}-${Date.now()}`;
        await p.handle.configure({ record: true, filename: next });
        p.base = next;
      } catch (error) {
        this.log.warn({ err: error, sessionId: p.sessionId, track: p.track }, 'could not cycle a Janus recording');
      }
    }));
  }

  /**
   * A proctor (or admin) watches a session: a subscriber handle on every track published now. Answers Janus's offer;
   * the viewer's answer goes to `startWatching`.
   */
  async watch(sessionId: string, viewer: string, active: boolean): Promise<WatchOffer> {
    const ours = PUBLISHED_TRACKS.filter((t) => this.publishers.get(`${sessionId}/${t}`)?.closed === false);
    if (!ours.length) throw new NotFoundError('the test-taker is not publishing yet');
    // Janus lists a publisher as such once its media is negotiated: subscribe to those only.
    const { participants } = await (await this.controlHandle()).listParticipants({ room: sessionId });
    const published = ours.filter((t) => participants.some((p) => p.feed === t && p.publisher));
    if (!published.length) throw new NotFoundError('the test-taker\'s media is not flowing yet');
    const handle = await this.attach();
    try {
      const joined = await handle.joinSubscriber({ room: sessionId, streams: published.map((feed) => ({ feed })) });
      if (!joined.jsep || !joined.streams) throw new Error('Janus answered a subscription without an offer');
      const watchId = randomUUID();
      const watch: Watch = { sessionId, viewer, handle, streams: joined.streams, active, started: false };
      this.watches.set(watchId, watch);
      const ended = () => void this.dropWatch(watchId);
      handle.once(Janode.EVENT.HANDLE_HANGUP, ended);
      handle.once(Janode.EVENT.HANDLE_DETACHED, ended);
      return {
        watchId,
        sdp: joined.jsep.sdp,
        streams: joined.streams.filter((s) => s.type !== 'data').map((s) => ({ mid: s.mid, feed: String(s.feed_id ?? ''), kind: s.type })),
      };
    } catch (error) {
      await handle.detach().catch(() => {});
      throw error;
    }
  }

  private watchOf(watchId: string, viewer: string, sessionId: string): Watch {
    const watch = this.watches.get(watchId);
    if (!watch || watch.sessionId !== sessionId) throw new NotFoundError(`no watch ${watchId}`);
    if (watch.viewer !== viewer) throw new ForbiddenError('this is someone else\'s watch');
    return watch;
  }

  /** The viewer's SDP answer to `watch`'s offer: media starts flowing, at tile or full quality. */
  async startWatching(sessionId: string, watchId: string, viewer: string, answerSdp: string): Promise<void> {
    const watch = this.watchOf(watchId, viewer, sessionId);
    await watch.handle.start({ jsep: { type: 'answer', sdp: answerSdp } });
    watch.started = true;
    await this.applyQuality(watch);
  }

  /**
   * The active tile gets the camera's full layer, its sound and the screen; other tiles the small layer only
   * (about 100 kbit/s), so 30 tiles stay within a few Mbit/s.
   */
  async setQuality(sessionId: string, watchId: string, viewer: string, active: boolean): Promise<void> {
    const watch = this.watchOf(watchId, viewer, sessionId);
    watch.active = active;
    if (watch.started) await this.applyQuality(watch);
  }

  private async applyQuality(watch: Watch): Promise<void> {
    const streams = watch.streams.filter((s) => s.type !== 'data').map((s) => {
      if (s.feed_id === 'camera' && s.type === 'video') return { mid: s.mid, send: true, substream: watch.active ? FULL_LAYER : TILE_LAYER };
      return { mid: s.mid, send: watch.active };
    });
    await watch.handle.configure({ streams });
  }

  async stopWatching(sessionId: string, watchId: string, viewer: string): Promise<void> {
    if (!this.watches.has(watchId)) return;
    this.watchOf(watchId, viewer, sessionId);
    await this.dropWatch(watchId);
  }

  private async dropWatch(watchId: string): Promise<void> {
    const watch = this.watches.get(watchId);
    if (!watch) return;
    this.watches.delete(watchId);
    await watch.handle.detach().catch(() => {});
  }

  /** How many publishers and watchers are connected now (for the benchmark and logs). */
  stats(): { publishers: number; watches: number; pendingConversions: number } {
    return { publishers: this.publishers.size, watches: this.watches.size, pendingConversions: this.pending };
  }

  private queue(sessionId: string, track: PublishedTrack, base: string): void {
    this.pending += 1;
    this.conversions = this.conversions
      .then(() => (this.leaveTheRest ? undefined : this.store(sessionId, track, base)))
      .catch((error) => this.log.error({ err: error, sessionId, base }, 'could not store a Janus recording'))
      .finally(() => void (this.pending -= 1));
  }

  /** Resolves when every recording finished so far is converted and stored. */
  async drained(): Promise<void> {
    while (this.pending > 0) await this.conversions;
  }

  /** Converts one finished recording into a segment: blob store, then RecordingSegmentStored. */
  private async store(sessionId: string, track: PublishedTrack, base: string): Promise<void> {
    const dir = this.roomDir(sessionId);
    const files = groupRecordings(await readdir(dir).catch(() => [])).find((f) => f.base === base);
    if (!files) return;
    // Janus may still be flushing a file it was just told to stop recording (seen in CI: a half-written .mjr gave a
    // broken WebM), so a failed conversion is tried again a little later before the recording is set aside.
    // The WebM made is checked as an upload would be: a broken one counts as a failed conversion.
    let segment: Awaited<ReturnType<typeof convertRecording>> = null;
    for (let attempt = 1; ; attempt++) {
      try {
        segment = await convertRecording(dir, files, dir, this.tools);
        const verdict = segment ? checkWebm(segment.data) : null;
        if (verdict && !verdict.ok) throw new Error(`the converted segment is broken: ${verdict.reason}`);
        break;
      } catch (error) {
        if (attempt >= 3) {
          await this.setAside(dir, files);
          // A gap with its cause on the protocol, never a recording that does not play.
          await this.recordLost(sessionId, track, base, (error as Error).message).catch((err) => this.log.error({ err, sessionId, base }, 'could not record a lost segment'));
          throw error;
        }
        this.log.warn({ err: error, sessionId, base, attempt }, 'a Janus recording did not convert; trying again');
        await new Promise((resolve) => setTimeout(resolve, 1500 * attempt));
      }
    }
    if (segment) {
      await this.options.blobs.put(segment.sha256, segment.data);
      await this.append(sessionId, track, { start: segment.start, durationMs: segment.durationMs, size: segment.data.length, sha256: segment.sha256 });
    }
    await Promise.all([files.video, files.audio].filter(Boolean).map((f) => rm(join(dir, f!), { force: true })));
  }

  private async append(sessionId: string, track: PublishedTrack, data: { start: Date; durationMs: number; size: number; sha256: string }): Promise<void> {
    const key = `${sessionId}/${track}`;
    if (!this.seqs.has(key)) {
      const stored = await recordingSegments(this.options.core.db, sessionId, track);
      this.seqs.set(key, stored.reduce((max, s) => Math.max(max, s.seq + 1), 0));
    }
    for (let attempt = 0; ; attempt++) {
      const seq = this.seqs.get(key)!;
      try {
        await this.options.core.session(sessionId, 'StoreRecordingSegment', { track, seq, ...data }, SYSTEM_ACTOR);
        this.seqs.set(key, seq + 1);
        return;
      } catch (error) {
        // Another node (or an upload) took this number: take the next one.
        if (error instanceof IllegalStateError && /already stored/.test(error.message) && attempt < 5) this.seqs.set(key, seq + 1);
        else throw error;
      }
    }
  }

  /** A piece that could not be made into a segment: recorded lost under the next number, with why. */
  private async recordLost(sessionId: string, track: PublishedTrack, base: string, reason: string): Promise<void> {
    const key = `${sessionId}/${track}`;
    if (!this.seqs.has(key)) {
      const stored = await recordingSegments(this.options.core.db, sessionId, track);
      this.seqs.set(key, stored.reduce((max, s) => Math.max(max, s.seq + 1), 0));
    }
    const seq = this.seqs.get(key)!;
    this.seqs.set(key, seq + 1);
    const start = new Date(baseTime(base) || Date.now());
    await this.options.core.session(sessionId, 'RefuseRecordingSegment', { track, seq, start, durationMs: this.options.segmentMs ?? 10_000, reason, final: true }, SYSTEM_ACTOR);
  }

  /** A recording that cannot be converted is kept aside (renamed .failed) for a person to look at. */
  private async setAside(dir: string, files: RecordingFiles): Promise<void> {
    await Promise.all([files.video, files.audio].filter(Boolean).map((f) => rename(join(dir, f!), join(dir, `${f}.failed`)).catch(() => {})));
  }

  /** Recordings left by an earlier run (a crash, a restart mid-exam) are converted and stored now. */
  private async sweep(): Promise<void> {
    for (const folder of await readdir(this.recordingsDir).catch(() => [] as string[])) {
      const sessionId = decodeURIComponent(folder);
      for (const files of groupRecordings(await readdir(join(this.recordingsDir, folder)).catch(() => []))) {
        const track = files.base.split('-')[0];
        if (track === 'camera' || track === 'screen') this.queue(sessionId, track, files.base);
      }
    }
  }

  /**
   * Stops publishers and watchers, stores what was recorded, and stops Janus if we started it. Recordings still
   * unconverted after `budgetMs` stay on disk and are stored by the next start's sweep (the one being converted
   * then is finished first), so a shutdown is never held up by a backlog.
   */
  async close(options: { budgetMs?: number } = {}): Promise<void> {
    this.closing = true;
    this.stopFollowing();
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.watches.keys()].map((id) => this.dropWatch(id)));
    await Promise.all([...this.publishers.values()].map((p) => this.closePublisher(p)));
    if (options.budgetMs === undefined) await this.drained();
    else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const outOfTime = new Promise<void>((resolve) => (timer = setTimeout(() => resolve(), options.budgetMs)));
      await Promise.race([this.drained(), outOfTime]);
      clearTimeout(timer);
      if (this.pending > 0) {
        this.log.warn({ pending: this.pending }, 'recordings left for the next start to store');
        this.leaveTheRest = true;
        await this.drained();
      }
    }
    await this.connection?.close().catch(() => {});
    await this.janus?.stop();
  }
}
