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

/**
 * The test-taker's side in `p2p` mode: camera, microphone and the whole screen, sent to each watcher over its own
 * peer connection, recorded in segments, and the proctor's call received. The phone of the second camera uses it
 * too (in both engines), with its camera alone.
 */
export class P2pParticipantMedia extends ParticipantBase {
  watchers = $state<string[]>([]);
  private readonly peers = new Map<string, RTCPeerConnection>();
  /** The request each watcher's connection was offered for: only the answer to it is taken. */
  private readonly attempts = new Map<string, number | undefined>();
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
    switch (s.kind) {
      case 'request':
        await this.offerTo(s.from, Boolean(s.payload?.active), s.payload?.attempt);
        break;
      case 'answer':
        await this.answered(s.from, s.payload);
        break;
      case 'candidate':
        await this.peers.get(s.from)?.addIceCandidate(s.payload).catch(() => {});
        break;
      case 'quality':
        await this.setQuality(s.from, Boolean(s.payload?.active));
        break;
      case 'bye':
        this.drop(s.from);
        break;
    }
  }

  private async offerTo(viewer: string, active: boolean, attempt: number | undefined): Promise<void> {
    this.drop(viewer);
    if (!this.camera) return;
    const camera = this.camera;
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.peers.set(viewer, pc);
    this.attempts.set(viewer, attempt);
    this.watchers = [...this.peers.keys()];
    pc.onconnectionstatechange = () => {
      if (this.peers.get(viewer) === pc && (pc.connectionState === 'failed' || pc.connectionState === 'closed')) this.drop(viewer);
    };
    for (const track of camera.getTracks()) pc.addTrack(track, camera);
    for (const track of this.screen?.getTracks() ?? []) pc.addTrack(track, this.screen!);
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await this.applyQuality(pc, active);
      const sdp = await gathered(pc);
      if (this.peers.get(viewer) !== pc) return; // the watcher asked again meanwhile: that request has its own offer
      const offer: P2pOffer = { sdp, streams: { camera: camera.id, screen: this.screen?.id ?? null }, attempt };
      await this.channel.send(viewer, 'offer', offer);
    } catch (e) {
      if (this.peers.get(viewer) === pc) throw e;
    }
  }

  /** The watcher's answer: taken only for the offer it answers (one overtaken by a newer request is dropped). */
  private async answered(viewer: string, payload: { description?: RTCSessionDescriptionInit; attempt?: number } & RTCSessionDescriptionInit): Promise<void> {
    const pc = this.peers.get(viewer);
    // An answer without a number comes from a page of the version before numbered requests.
    const description = payload.description ?? payload;
    if (!pc || pc.signalingState !== 'have-local-offer' || payload.attempt !== this.attempts.get(viewer)) return;
    await pc.setRemoteDescription(description);
  }

  private async setQuality(viewer: string, active: boolean): Promise<void> {
    const pc = this.peers.get(viewer);
    if (pc) await this.applyQuality(pc, active);
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

  private drop(viewer: string): void {
    this.peers.get(viewer)?.close();
    this.peers.delete(viewer);
    this.attempts.delete(viewer);
    this.watchers = [...this.peers.keys()];
  }

  /** Stops capturing, sending and recording at once; the last segments still upload. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.recorders) r.stop();
    this.release();
    for (const viewer of [...this.peers.keys()]) this.drop(viewer);
    this.calls.end();
    this.channel.close();
    window.removeEventListener('online', this.onOnline);
    await Promise.all(this.recorders.flatMap((r) => [...r.inFlight]));
  }
}
