import { mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Janode from 'janode';
import type { ConferenceHandles } from '../conference/janus-rooms.js';
import type { Core } from '../../app/core/core.js';
import { isSessionStream, sessionIdOf } from '../../domain/session/events.js';
import { IllegalStateError, ValidationError } from '../../domain/core/errors.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import { NodeCalls } from '../../store/node-calls.js';
import { PublisherHolders } from '../../store/publisher-holders.js';
import { RoomPlacements } from '../../store/room-placements.js';
import { NODE_TAG } from '../../store/sql.js';
import type { BlobStore } from '../blob-store.js';
import { JanusInstance } from './instance.js';
import { startJanus } from './process.js';
import { PUBLISHED_TRACKS, type PublishedTrack, type Publisher } from './publisher.js';
import { DEFAULT_TOOLS, recordingBase, type Tools } from './recording.js';
import { RecordingPipeline, type JanusLog } from './recording-pipeline.js';
import { onWatchNode, Watches, type WatchOffer } from './watching.js';

export { PUBLISHED_TRACKS, type PublishedTrack } from './publisher.js';
export type { WatchOffer } from './watching.js';

export interface JanusEngineOptions {
  readonly core: Core;
  readonly blobs: BlobStore;
  /** Our folder: the Janus configuration (when we start it) and the recordings. */
  readonly dir: string;
  /**
   * Running Janus instances to use (ws://…) instead of starting one: rooms are spread over them. Each must share
   * `dir`'s file system and use string room ids.
   */
  readonly urls?: readonly string[];
  readonly binary?: string;
  readonly port?: number;
  readonly libDir?: string;
  readonly publicIp?: string | null;
  readonly stunServer?: string | null;
  readonly rtpPortRange?: string;
  /** Length of a recording segment: Janus's recording of each publisher is cycled this often. */
  readonly segmentMs?: number;
  readonly tools?: Tools;
  readonly log?: JanusLog;
}

const quiet = { info() {}, warn() {}, error() {} };
/** Events after which a session's room records nobody. */
const ENDS_RECORDING = new Set(['SessionFinished', 'SessionCancelled']);
/** How often the recordings folder is looked through for what nobody will store (see `RecordingPipeline.sweep`). */
const SWEEP_MS = 60_000;
/** How often this node looks for publishers of nodes that are gone (see `PublisherHolders`). */
const ORPHANS_MS = 2_000;
/**
 * After finding a node gone, how long (ms) before its recordings are looked for: its Janus session ends, and its
 * recording files are closed, once Janus sees the node's connection gone.
 */
const ORPHANS_SWEEP_DELAY_MS = 5_000;
/** Why a recording has a gap when its Janus went away (the protocol shows it). */
const JANUS_GONE = 'the media server (Janus) holding the publisher went away; nothing was recorded until the page published again';
/** A publisher held by this node, on the Janus it publishes to. */
type HeldPublisher = Publisher & { readonly instance: JanusInstance };
/** What one node asks another for a watch it holds (`Watches` methods by name). */
type WatchCall = { sessionId: string; watchId: string; viewer: string; sdp?: string; active?: boolean };

/**
 * The `janus` media engine: Debian's Janus with its VideoRoom plugin, driven through janode. One room per exam
 * session (created on demand, named by the session id), placed on one of the Janus instances (the least loaded one
 * this node reaches; shared by every app node in `RoomPlacements`, moved when its Janus is lost); the test-taker's
 * browser publishes its camera+microphone and its screen once each, every watcher subscribes to them through Janus.
 * Janus records each publisher (.mjr); the recording is cycled every `segmentMs`, and each finished piece becomes a
 * WebM segment in the blob store and a RecordingSegmentStored event, exactly like the segments browsers upload in
 * p2p mode (`RecordingPipeline`); watching is `Watches`. A publisher or a watch lives on the node that made it (its
 * Janus handle belongs to that node's connection); a later call about a watch that reaches another node is passed
 * to it (`NodeCalls`). This class keeps the instances, the rooms and the publishers.
 */
export class JanusEngine {
  private readonly instances: JanusInstance[] = [];
  private readonly publishers = new Map<string, HeldPublisher>();
  private readonly watching: Watches;
  /** Publishers cut because their Janus went away (for the logs and the tests). */
  private publishersLost = 0;
  /** What this node serves to the others (`NodeCalls`), by method. */
  private readonly served = new Map<string, (args: unknown) => Promise<unknown>>();
  private readonly lostListeners = new Set<(sessionId: string, track: PublishedTrack) => void>();
  private readonly recordings: RecordingPipeline;
  private placements!: RoomPlacements;
  private holders!: PublisherHolders;
  private calls!: NodeCalls;
  private timer: ReturnType<typeof setInterval> | null = null;
  private sweeper: ReturnType<typeof setInterval> | null = null;
  private orphanTimer: ReturnType<typeof setInterval> | null = null;
  private orphansSweep: ReturnType<typeof setTimeout> | null = null;
  /** A call to another node (or this one): `NodeCalls.call`, bound. */
  private readonly callNode = (node: string, method: string, args: unknown) => this.calls.call(node, method, args);
  private stopFollowing: () => void = () => {};
  private closing = false;
  private readonly log: JanusLog;
  readonly recordingsDir: string;

  private constructor(private readonly options: JanusEngineOptions) {
    this.log = options.log ?? quiet;
    this.recordingsDir = join(options.dir, 'recordings');
    this.recordings = new RecordingPipeline({
      core: options.core, blobs: options.blobs, recordingsDir: this.recordingsDir, segmentMs: options.segmentMs, tools: options.tools ?? DEFAULT_TOOLS, log: this.log,
    });
    this.watching = new Watches({ roomServer: (sessionId) => this.roomServer(sessionId), node: () => this.calls.node });
    const watchCall = (args: unknown) => args as WatchCall;
    this.served.set('startWatching', (args) => {
      const { sessionId, watchId, viewer, sdp } = watchCall(args);
      return this.watching.startWatching(sessionId, watchId, viewer, String(sdp));
    });
    this.served.set('setQuality', (args) => {
      const { sessionId, watchId, viewer, active } = watchCall(args);
      return this.watching.setQuality(sessionId, watchId, viewer, active === true);
    });
    this.served.set('stopWatching', (args) => {
      const { sessionId, watchId, viewer } = watchCall(args);
      return this.watching.stopWatching(sessionId, watchId, viewer);
    });
  }

  /** Starts Janus (or connects to the given ones), converts recordings left from an earlier run, and starts cycling. */
  static async start(options: JanusEngineOptions): Promise<JanusEngine> {
    const engine = new JanusEngine(options);
    mkdirSync(engine.recordingsDir, { recursive: true });
    // janode logs every failed connection attempt itself; the instances say what matters once (instance.ts).
    Janode.Logger.setLevel('none');
    const urls = options.urls ?? [];
    const onLost = (instance: JanusInstance) => engine.lost(instance);
    if (urls.length) for (const url of urls) engine.instances.push(new JanusInstance({ url, log: engine.log, onLost }));
    else engine.instances.push(new JanusInstance({ url: '', start: () => engine.startOurJanus(), log: engine.log, onLost }));
    engine.placements = await RoomPlacements.open(options.core.db);
    engine.calls = await NodeCalls.open(options.core.db, (method, args) => engine.serve(method, args));
    engine.holders = await PublisherHolders.open(options.core.db, engine.calls.node);
    // Every instance is tried; the engine starts when one answers (the others are connected to as they come).
    const opened = await Promise.allSettled(engine.instances.map((i) => i.open(3)));
    if (!opened.some((o) => o.status === 'fulfilled')) {
      await engine.calls.close();
      throw (opened[0] as PromiseRejectedResult).reason;
    }
    opened.forEach((o, n) => o.status === 'rejected' && engine.instances[n].markLost(o.reason));
    await engine.sweep();
    engine.timer = setInterval(() => void engine.cycle(), options.segmentMs ?? 10_000);
    // What a node that died left in the shared folder is stored by the others.
    engine.sweeper = setInterval(() => void engine.sweep(), SWEEP_MS);
    if (options.core.db.engine === 'postgres') engine.orphanTimer = setInterval(() => void engine.tellOrphans(), ORPHANS_MS);
    engine.stopFollowing = options.core.runner.onApplied((batch) => {
      for (const e of batch.events) {
        if (ENDS_RECORDING.has(e.type) && isSessionStream(e.streamId)) void engine.endSession(sessionIdOf(e));
      }
    });
    engine.log.info({ urls: engine.instances.map((i) => i.url), pid: engine.pid }, 'janus media engine ready');
    return engine;
  }

  /** The Janus process we started (null when connected to ones given by URL). */
  get pid(): number | null {
    return this.instances[0]?.pid ?? null;
  }

  private startOurJanus() {
    const { options } = this;
    return startJanus({
      dir: join(options.dir, 'config'),
      wsPort: options.port ?? 8188,
      binary: options.binary,
      libDir: options.libDir,
      publicIp: options.publicIp,
      stunServer: options.stunServer,
      rtpPortRange: options.rtpPortRange,
      log: (line) => {
        if (/\[ERR\]|\[FATAL\]/.test(line)) this.log.warn({ janus: line }, 'janus');
      },
    });
  }

  /**
   * A Janus went away: its rooms, publishers and watchers are gone with it. The publishers' recordings so far are
   * stored from their files and the watchers dropped; the detaches are not waited for (a gone Janus answers
   * nothing). The browsers try again on their own (a publisher every few seconds, a watcher once its picture is
   * lost): their sessions' rooms are placed again, on a Janus that answers.
   */
  private lost(instance: JanusInstance): void {
    if (this.closing) return;
    void this.watching.dropWhere((w) => w.server === instance.url);
    for (const publisher of [...this.publishers.values()]) {
      if (publisher.instance !== instance) continue;
      this.publishersLost += 1;
      void (async () => {
        // The cut is kept before the page hears of it: the node it publishes to next marks the gap in the recording.
        await this.holders.lose(publisher.sessionId, publisher.track, JANUS_GONE).catch((err) => this.log.warn({ err }, 'could not keep a publisher\'s cut'));
        for (const listener of this.lostListeners) listener(publisher.sessionId, publisher.track);
        await this.closePublisher(publisher, { cut: true });
      })();
    }
  }

  /**
   * Publishers held by a node that died (any node, this one after a restart): their pages are told to publish again,
   * like those of a Janus that went away, and what that node was recording is stored a few seconds later.
   */
  private async tellOrphans(): Promise<void> {
    if (this.closing) return;
    try {
      const orphans = await this.holders.orphans();
      if (!orphans.length) return;
      this.log.warn({ publishers: orphans.length }, 'publishers held by a node that is gone: their pages are told to publish again');
      for (const { room, track } of orphans) {
        if (!(PUBLISHED_TRACKS as readonly string[]).includes(track)) continue;
        for (const listener of this.lostListeners) listener(room, track as PublishedTrack);
      }
      this.orphansSweep ??= setTimeout(() => {
        this.orphansSweep = null;
        void this.sweep();
      }, ORPHANS_SWEEP_DELAY_MS);
    } catch (err) {
      this.log.warn({ err }, 'could not look for publishers of nodes that are gone');
    }
  }

  /**
   * Calls `listener` for each publisher cut because its Janus went away, or held by a node that died: its browser
   * may publish again at once (the server tells it), instead of noticing by itself seconds later. Returns the
   * unsubscribe function.
   */
  onPublisherLost(listener: (sessionId: string, track: PublishedTrack) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** The instances this node reaches now. */
  private up(): JanusInstance[] {
    return this.instances.filter((i) => !i.down && i.url);
  }

  private instanceAt(url: string | null): JanusInstance | null {
    return this.instances.find((i) => i.url === url) ?? null;
  }

  /** The instance holding `room` now: where it is placed, or a new place when that one is not reachable from here. */
  private async place(room: string): Promise<JanusInstance> {
    const up = this.up();
    if (!up.length) throw new IllegalStateError('the media server (Janus) is not reachable just now: try again in a few seconds');
    const url = await this.placements.place(room, up.map((i) => i.url));
    return this.instanceAt(url)!;
  }

  /** Where a watcher finds the session's room (it never places one): null when none is reachable from here. */
  private async roomServer(sessionId: string): Promise<JanusInstance | null> {
    const instance = this.instanceAt(await this.placements.of(sessionId));
    return instance && !instance.down ? instance : null;
  }

  /** The session's room on its instance, created on first use with recording into the session's folder. */
  private async ensureRoom(sessionId: string): Promise<JanusInstance> {
    const instance = await this.place(sessionId);
    await instance.ensureRoom(sessionId, async (control) => {
      await mkdir(this.recordings.roomDir(sessionId), { recursive: true });
      await control.create({
        room: sessionId, description: `session ${sessionId}`, max_publishers: PUBLISHED_TRACKS.length + 1,
        videocodec: 'vp8', audiocodec: 'opus', fir_freq: 10, record: false, rec_dir: this.recordings.roomDir(sessionId), notify_joining: false, is_private: true,
      });
    });
    return instance;
  }

  /**
   * The test-taker's browser publishes one track (its complete SDP offer, candidates included); answers Janus's SDP
   * answer. Publishing again (a reload, or after the Janus went away) replaces the earlier publisher, whose recording
   * is finished and stored, whichever node held it.
   */
  async publish(sessionId: string, track: PublishedTrack, offerSdp: string): Promise<string> {
    const instance = await this.ensureRoom(sessionId);
    const key = `${sessionId}/${track}`;
    const earlier = this.publishers.get(key);
    if (earlier) await this.closePublisher(earlier);
    // Left by another node or an earlier run of ours: kicked, its node stores its recording so far.
    await instance.kick(sessionId, track).catch(() => false);
    const handle = await instance.attach();
    const publisher = { sessionId, track, handle, instance, base: recordingBase(track, NODE_TAG, Date.now()), closed: false };
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
      const cut = await this.holders.hold(sessionId, track);
      // The one before was cut (its Janus or its node went away): from then to now is a gap, said with its cause.
      if (cut) void this.recordings.recordGap(sessionId, track, cut.since, new Date(), cut.reason);
      return joined.jsep.sdp;
    } catch (error) {
      await this.closePublisher(publisher);
      throw error;
    }
  }

  /** The test-taker stops publishing a track (the recording so far is stored by the node that holds it). */
  async unpublish(sessionId: string, track: PublishedTrack): Promise<boolean> {
    const publisher = this.publishers.get(`${sessionId}/${track}`);
    if (publisher) {
      await this.closePublisher(publisher);
      return true;
    }
    // Held by another node: kicked out of the room, which that node hears as a hang-up.
    const instance = await this.roomServer(sessionId);
    return instance ? instance.kick(sessionId, track) : false;
  }

  /**
   * `cut`: it did not end, it was cut (its record is kept for whichever node holds it next); so is one whose Janus is
   * down (janode may report its handles gone before the engine hears that the Janus is).
   */
  private async closePublisher(publisher: HeldPublisher, { cut = false } = {}): Promise<void> {
    if (publisher.closed) return;
    publisher.closed = true;
    const key = `${publisher.sessionId}/${publisher.track}`;
    if (this.publishers.get(key) === publisher) {
      this.publishers.delete(key);
      // A node shutting down keeps its records: once it is gone, another node tells these pages to publish again.
      if (!this.closing && !cut && !publisher.instance.down) void this.holders.release(publisher.sessionId, publisher.track).catch(() => {});
    }
    // Janus closes the recording files here. A Janus that is gone answers nothing: its files are as they are.
    if (publisher.instance.down) void publisher.handle.detach().catch(() => {});
    else await publisher.handle.detach().catch(() => {});
    if (publisher.base) this.recordings.queue(publisher.sessionId, publisher.track, publisher.base);
    publisher.base = null;
  }

  /**
   * The session has ended (whoever ended it, whatever the test-taker's browser does next): on every node, its
   * publishers are cut and their recordings so far stored, and nobody watches it any more. Nothing of the person is
   * recorded after. Then its room is destroyed in Janus (by whichever node comes first; Janus lets any publisher
   * still there go, and its node stores what it recorded) and no longer counts towards its Janus's load.
   */
  async endSession(sessionId: string): Promise<void> {
    const publishers = [...this.publishers.values()].filter((p) => p.sessionId === sessionId);
    if (publishers.length) this.log.info({ sessionId, tracks: publishers.map((p) => p.track) }, 'the session ended: stopping its Janus publishers');
    await Promise.all([this.watching.dropWhere((w) => w.sessionId === sessionId), ...publishers.map((p) => this.closePublisher(p))]);
    try {
      const server = await this.roomServer(sessionId);
      if (server) {
        server.rooms.delete(sessionId);
        await (await server.controlHandle()).destroy({ room: sessionId }).catch(() => {}); // another node's did
      }
      await this.placements.forget(sessionId);
      await this.holders.forget(sessionId);
    } catch (err) {
      this.log.warn({ err, sessionId }, 'could not close the room of a session that ended');
    }
  }

  private sweep(): Promise<void> {
    return this.recordings.sweep((tags) => this.calls.connectedTags(tags)).catch((err) => this.log.warn({ err }, 'could not look for recordings left behind'));
  }

  /** Ends each publisher's current recording and starts the next (see `RecordingPipeline.cycle`). */
  cycle(): Promise<void> {
    return this.recordings.cycle(this.publishers.values());
  }

  /** A proctor (or admin) watches a session: see `Watches.watch`. The watch lives on this node. */
  watch(sessionId: string, viewer: string, active: boolean): Promise<WatchOffer> {
    return this.watching.watch(sessionId, viewer, active);
  }

  /** The viewer's SDP answer to `watch`'s offer: media starts flowing, at tile or full quality. */
  async startWatching(sessionId: string, watchId: string, viewer: string, answerSdp: string): Promise<void> {
    await onWatchNode(this.callNode, watchId, 'startWatching', { sessionId, watchId, viewer, sdp: answerSdp } satisfies WatchCall);
  }

  /** The active tile at full quality with its sound, the others small: see `Watches.setQuality`. */
  async setQuality(sessionId: string, watchId: string, viewer: string, active: boolean): Promise<void> {
    await onWatchNode(this.callNode, watchId, 'setQuality', { sessionId, watchId, viewer, active } satisfies WatchCall);
  }

  async stopWatching(sessionId: string, watchId: string, viewer: string): Promise<void> {
    await onWatchNode(this.callNode, watchId, 'stopWatching', { sessionId, watchId, viewer } satisfies WatchCall, true);
  }

  /** What another node asks of what is held here: the watches, and what others register (`conferenceHandles`). */
  private serve(method: string, args: unknown): Promise<unknown> {
    const handler = this.served.get(method);
    return handler ? handler(args) : Promise.reject(new ValidationError(`no such call: ${method}`));
  }

  /** The committee's conference rooms (src/media/conference): each placed like a session's room, their watches passed on like ours. */
  conferenceHandles(): ConferenceHandles {
    const key = (room: string) => `conference:${room}`;
    return {
      room: async (room, create) => {
        const instance = await this.place(key(room));
        await instance.ensureRoom(room, create);
        return instance;
      },
      existing: (room) => this.roomServer(key(room)),
      node: () => this.calls.node,
      call: this.callNode,
      serve: (method, handler) => void this.served.set(method, handler),
    };
  }

  /** How many publishers and watchers are connected now (for the benchmark and logs). */
  stats(): { publishers: number; watches: number; pendingConversions: number; keyframesAsked: number; publishersLost: number } {
    return {
      publishers: this.publishers.size, watches: this.watching.size, pendingConversions: this.recordings.pending,
      keyframesAsked: this.recordings.keyframesAsked, publishersLost: this.publishersLost,
    };
  }

  /** The Janus (its URL) holding a session's room now, if placed (tests and logs). */
  placementOf(sessionId: string): Promise<string | null> {
    return this.placements.of(sessionId);
  }

  /** Resolves when every recording finished so far is converted and stored. */
  drained(): Promise<void> {
    return this.recordings.drained();
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
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.orphanTimer) clearInterval(this.orphanTimer);
    if (this.orphansSweep) clearTimeout(this.orphansSweep);
    await this.calls.close();
    await this.watching.dropWhere(() => true);
    await Promise.all([...this.publishers.values()].map((p) => this.closePublisher(p)));
    await this.recordings.drain(options.budgetMs);
    await Promise.all(this.instances.map((i) => i.close()));
  }
}
