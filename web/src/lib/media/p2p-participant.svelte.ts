import type { Client } from '@urql/core';
import { ParticipantBase, type CaptureOptions } from './participant-base.svelte.js';
import { pendingSegments, SegmentRecorder } from './recorder.js';
import type { P2pOffer } from './p2p-viewer.svelte.js';
import { gathered, ICE_SERVERS, type SignalMessage } from './signals.js';

/** Tile quality for watchers of many sessions; the active tile gets the full picture. */
const TILE = { scaleResolutionDownBy: 2, maxFramerate: 8, maxBitrate: 150_000 };
const FULL = { scaleResolutionDownBy: 1, maxFramerate: 30, maxBitrate: 1_200_000 };

/** What one publishing device sends: the computer sends camera, microphone and screen; the phone only its camera. */
export interface PublishOptions extends CaptureOptions {
  /** The recording track its camera goes to. */
  readonly track: 'camera' | 'mobile';
}
const COMPUTER: PublishOptions = { screen: true, audio: true, track: 'camera' };

/** A connection to one watching page: who watches, which of their pages, and the request it was offered for. */
interface WatcherLink {
  readonly pc: RTCPeerConnection;
  readonly viewer: string;
  readonly page: string | undefined;
  readonly attempt: number | undefined;
}

/** The most pages of one user this browser sends to at once: each connection encodes the video again. */
const PAGES_PER_WATCHER = 3;

/** A watching page's key: its user and, from pages that say it, which of their pages (older pages are one per user). */
const pageKey = (viewer: string, page: unknown) => (typeof page === 'string' ? `${viewer} ${page}` : viewer);

/**
 * The test-taker's side in `p2p` mode: camera, microphone and the whole screen, sent to each watcher over its own
 * peer connection, recorded in segments, and the proctor's call received. The phone of the second camera uses it
 * too (in both engines), with its camera alone.
 */
export class P2pParticipantMedia extends ParticipantBase {
  watchers = $state<string[]>([]);
  /** One connection per watching page (a user may watch in two tabs), by `pageKey`. */
  private readonly links = new Map<string, WatcherLink>();
  private recorders: SegmentRecorder[] = [];
  private readonly onOnline = () => void pendingSegments.flush().catch(() => {});

  constructor(client: Client, sessionId: string, private readonly options: PublishOptions = COMPUTER) {
    super(client, sessionId, options);
  }

  protected override captured(): void {
    this.recorders = [new SegmentRecorder(this.camera!, this.sessionId, this.options.track)];
    if (this.screen) this.recorders.push(new SegmentRecorder(this.screen, this.sessionId, 'screen'));
    for (const r of this.recorders) r.start();
    window.addEventListener('online', this.onOnline);
    void pendingSegments.flush().catch(() => {}); // segments left from an earlier visit
  }

  /** Tells watchers the stream is ready: each asks for its own offer. */
  protected async publish(): Promise<void> {
    await this.channel.send('*', 'ready');
  }

  protected async onSignal(s: SignalMessage): Promise<void> {
    const key = pageKey(s.from, s.payload?.page);
    switch (s.kind) {
      case 'request':
        await this.offerTo(key, { viewer: s.from, page: s.payload?.page, attempt: s.payload?.attempt }, Boolean(s.payload?.active));
        break;
      case 'answer':
        await this.answered(key, s.payload);
        break;
      case 'candidate':
        await this.links.get(key)?.pc.addIceCandidate(s.payload).catch(() => {});
        break;
      case 'quality':
        await this.setQuality(key, Boolean(s.payload?.active));
        break;
      case 'bye':
        this.drop(key);
        break;
    }
  }

  private async offerTo(key: string, to: Omit<WatcherLink, 'pc'>, active: boolean): Promise<void> {
    this.drop(key);
    if (!this.camera) return;
    const theirs = [...this.links].filter(([, l]) => l.viewer === to.viewer);
    for (const [older] of theirs.slice(0, Math.max(0, theirs.length - PAGES_PER_WATCHER + 1))) this.drop(older);
    const camera = this.camera;
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.links.set(key, { pc, ...to });
    this.listWatchers();
    pc.onconnectionstatechange = () => {
      if (this.links.get(key)?.pc === pc && (pc.connectionState === 'failed' || pc.connectionState === 'closed')) this.drop(key);
    };
    for (const track of camera.getTracks()) pc.addTrack(track, camera);
    for (const track of this.screen?.getTracks() ?? []) pc.addTrack(track, this.screen!);
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await this.applyQuality(pc, active);
      const sdp = await gathered(pc);
      if (this.links.get(key)?.pc !== pc) return; // the watcher asked again meanwhile: that request has its own offer
      const offer: P2pOffer = { sdp, streams: { camera: camera.id, screen: this.screen?.id ?? null }, attempt: to.attempt, page: to.page };
      await this.channel.send(to.viewer, 'offer', offer);
    } catch (e) {
      if (this.links.get(key)?.pc === pc) throw e;
    }
  }

  /** The watcher's answer: taken only for the offer it answers (one overtaken by a newer request is dropped). */
  private async answered(key: string, payload: { description?: RTCSessionDescriptionInit; attempt?: number } & RTCSessionDescriptionInit): Promise<void> {
    const link = this.links.get(key);
    // An answer without a number comes from a page of the version before numbered requests.
    const description = payload.description ?? payload;
    if (!link || link.pc.signalingState !== 'have-local-offer' || payload.attempt !== link.attempt) return;
    await link.pc.setRemoteDescription(description);
  }

  private async setQuality(key: string, active: boolean): Promise<void> {
    const link = this.links.get(key);
    if (link) await this.applyQuality(link.pc, active);
  }

  private async applyQuality(pc: RTCPeerConnection, active: boolean): Promise<void> {
    for (const sender of pc.getSenders()) {
      if (sender.track?.kind !== 'video') continue;
      const params = sender.getParameters();
      if (!params.encodings?.length) params.encodings = [{}];
      Object.assign(params.encodings[0], active ? FULL : TILE);
      await sender.setParameters(params).catch(() => {}); // before negotiation completes some browsers refuse: the next change applies
    }
  }

  private drop(key: string): void {
    this.links.get(key)?.pc.close();
    this.links.delete(key);
    this.listWatchers();
  }

  private listWatchers(): void {
    this.watchers = [...new Set([...this.links.values()].map((l) => l.viewer))];
  }

  /** Stops capturing, sending and recording at once; the last segments still upload. */
  async stop(): Promise<void> {
    this.stopped = true;
    const recorded = Promise.all(this.recorders.map((r) => r.stop()));
    for (const key of [...this.links.keys()]) this.drop(key);
    this.calls.end();
    this.channel.close();
    window.removeEventListener('online', this.onOnline);
    // The recorders write out their last data before the tracks end (see SegmentRecorder.stop); nothing is sent meanwhile.
    await recorded;
    this.release();
    await Promise.all(this.recorders.flatMap((r) => [...r.inFlight]));
  }
}
