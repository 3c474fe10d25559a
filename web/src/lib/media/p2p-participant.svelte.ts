import type { Client } from '@urql/core';
import { ParticipantBase, type CaptureOptions } from './participant-base.svelte.js';
import { pendingSegments, SegmentRecorder } from './recorder.js';
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
        await this.offerTo(s.from, Boolean(s.payload?.active));
        break;
      case 'answer':
        await this.peers.get(s.from)?.setRemoteDescription(s.payload);
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

  private async offerTo(viewer: string, active: boolean): Promise<void> {
    this.drop(viewer);
    if (!this.camera) return;
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.peers.set(viewer, pc);
    this.watchers = [...this.peers.keys()];
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.drop(viewer);
    };
    for (const track of this.camera.getTracks()) pc.addTrack(track, this.camera);
    for (const track of this.screen?.getTracks() ?? []) pc.addTrack(track, this.screen!);
    await pc.setLocalDescription(await pc.createOffer());
    await this.applyQuality(pc, active);
    await this.channel.send(viewer, 'offer', { sdp: await gathered(pc), streams: { camera: this.camera.id, screen: this.screen?.id ?? null } });
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
