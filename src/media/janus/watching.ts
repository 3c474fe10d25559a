import { randomUUID } from 'node:crypto';
import Janode from 'janode';
import type { StreamInfo, VideoRoomHandle } from 'janode/plugins/videoroom';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/core/errors.js';
import { NodeGoneError } from '../../store/node-calls.js';
import { PUBLISHED_TRACKS } from './publisher.js';

/** Simulcast layers the browser sends for the camera (rid l, rid h): tiles get layer 0, the active tile layer 1. */
const TILE_LAYER = 0;
const FULL_LAYER = 1;

export interface WatchOffer {
  readonly watchId: string;
  readonly sdp: string;
  /** Which of the offer's m-lines carries what: `feed` is camera or screen. */
  readonly streams: ReadonlyArray<{ readonly mid: string; readonly feed: string; readonly kind: string }>;
}

interface Watch {
  readonly sessionId: string;
  /** The Janus (its URL) the watch's handle is on. */
  readonly server: string;
  readonly viewer: string;
  readonly handle: VideoRoomHandle;
  readonly streams: readonly StreamInfo[];
  active: boolean;
  started: boolean;
}

/** The Janus holding a room, as watching (and the conference) needs it: `JanusInstance`. */
export interface RoomServer {
  readonly url: string;
  attach(): Promise<VideoRoomHandle>;
  controlHandle(): Promise<VideoRoomHandle>;
  participants(room: string): Promise<ReadonlyArray<{ readonly feed: unknown; readonly publisher: boolean }>>;
  kick(room: string, feed: string): Promise<boolean>;
}

/** What watching needs of the engine: where a session's room is, and this node's name (watch ids carry it). */
export interface WatchedRooms {
  roomServer(sessionId: string): Promise<RoomServer | null>;
  node(): string;
}

/** A new watch's id: unique, and naming the node that holds it (see `nodeOfWatch`). */
export function newWatchId(node: string): string {
  return `${randomUUID()}@${node}`;
}

/** The node holding a watch, from its id (null when the id is not one of ours). */
export function nodeOfWatch(watchId: string): string | null {
  const at = watchId.indexOf('@');
  return at === 36 && watchId.length <= 200 ? watchId.slice(at + 1) : null;
}

/**
 * Runs `method` about a watch on the node holding it (`call`: `NodeCalls.call`, here when it is this node). Stopping a
 * watch whose node is gone has nothing left to stop: the watch went with its node.
 */
export async function onWatchNode(call: (node: string, method: string, args: unknown) => Promise<unknown>, watchId: string, method: string, args: unknown, stopping = false): Promise<unknown> {
  const node = nodeOfWatch(watchId);
  if (node === null) throw new ValidationError('not a watch id');
  return call(node, method, args).catch((error: unknown) => {
    if (stopping && error instanceof NodeGoneError) return null;
    throw error;
  });
}

/**
 * Proctors watching sessions: one subscriber handle per watch, at tile or full quality. A watch is held by the node
 * that made it; its id names that node (`nodeOfWatch`), so a later call about it that reaches another node is passed
 * on (`onWatchNode`).
 */
export class Watches {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly rooms: WatchedRooms) {}

  get size(): number {
    return this.watches.size;
  }

  /**
   * A proctor (or admin) watches a session: a subscriber handle on every track published now. Answers Janus's offer;
   * the viewer's answer goes to `startWatching`.
   */
  async watch(sessionId: string, viewer: string, active: boolean): Promise<WatchOffer> {
    const server = await this.rooms.roomServer(sessionId);
    if (!server) throw new NotFoundError('the test-taker is not publishing yet');
    // Janus lists a publisher as such once its media is negotiated: subscribe to those only. The publisher may be
    // held by any node: Janus's list is the one that all of them share.
    const participants = await server.participants(sessionId);
    const published = PUBLISHED_TRACKS.filter((t) => participants.some((p) => p.feed === t && p.publisher));
    if (!published.length) throw new NotFoundError('the test-taker\'s media is not flowing yet');
    const handle = await server.attach();
    try {
      // The camera starts at the tile's layer: Janus forwards it from the first keyframe, instead of the full layer
      // until the configure after `start` meets a keyframe of the small one (seconds of 640 px per tile under load).
      const streams = published.map((feed) => (feed === 'camera' ? { feed, substream: active ? FULL_LAYER : TILE_LAYER } : { feed }));
      const joined = await handle.joinSubscriber({ room: sessionId, streams });
      if (!joined.jsep || !joined.streams) throw new Error('Janus answered a subscription without an offer');
      const watchId = newWatchId(this.rooms.node());
      const watch: Watch = { sessionId, server: server.url, viewer, handle, streams: joined.streams, active, started: false };
      this.watches.set(watchId, watch);
      const ended = () => void this.drop(watchId);
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
    await this.drop(watchId);
  }

  /** The watches that `which` picks (those of a session that ended, on a Janus that went away, or all). */
  dropWhere(which: (watch: { readonly sessionId: string; readonly server: string }) => boolean): Promise<void[]> {
    const ids = [...this.watches].filter(([, w]) => which(w)).map(([id]) => id);
    return Promise.all(ids.map((id) => this.drop(id)));
  }

  private async drop(watchId: string): Promise<void> {
    const watch = this.watches.get(watchId);
    if (!watch) return;
    this.watches.delete(watchId);
    await watch.handle.detach().catch(() => {});
  }
}
