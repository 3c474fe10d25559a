import type { Client } from '@urql/core';
import { pendingSegments, SegmentRecorder } from './recorder.js';
import { CallAnswerer } from './calls.svelte.js';
import { gathered, ICE_SERVERS, loadIceServers, SignalChannel, type SignalMessage } from './signals.js';

/** Tile quality for watchers of many sessions; the active tile gets the full picture. */
const TILE = { scaleResolutionDownBy: 2, maxFramerate: 8, maxBitrate: 150_000 };
const FULL = { scaleResolutionDownBy: 1, maxFramerate: 30, maxBitrate: 1_200_000 };

/** What one publishing device sends: the computer sends camera, microphone and screen; the phone only its camera. */
export interface PublishOptions {
  readonly screen: boolean;
  readonly audio: boolean;
  /** The recording track its camera goes to. */
  readonly track: 'camera' | 'mobile';
}
const COMPUTER: PublishOptions = { screen: true, audio: true, track: 'camera' };

/**
 * The test-taker's side: camera, microphone and the whole screen, sent to each watcher over its own peer
 * connection (p2p mode), recorded in segments, and the proctor's call received. The phone of the second camera uses
 * it too, with its camera alone.
 */
export class ParticipantMedia {
  camera = $state<MediaStream | null>(null);
  screen = $state<MediaStream | null>(null);
  error = $state<string | null>(null);
  watchers = $state<string[]>([]);
  /** When the phone of the second camera last said it is alive (ms since epoch; 0: never). */
  mobileSeenAt = $state(0);
  private readonly channel: SignalChannel;
  private readonly peers = new Map<string, RTCPeerConnection>();
  private readonly calls: CallAnswerer;
  private recorders: SegmentRecorder[] = [];
  /** Set by `stop`: a `start` still waiting for camera or screen gives them back instead of recording. */
  private stopped = false;
  private readonly onOnline = () => void pendingSegments.flush().catch(() => {});

  constructor(private readonly client: Client, readonly sessionId: string, private readonly options: PublishOptions = COMPUTER) {
    this.channel = new SignalChannel(client, sessionId);
    this.calls = new CallAnswerer(this.channel);
  }

  /** The proctor's voice (and face, in a video call). */
  get call() {
    return this.calls.call;
  }

  /** Asks for camera, microphone and screen, starts recording, and tells watchers the stream is ready. */
  async start(): Promise<void> {
    try {
      this.camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: this.options.audio });
    } catch (e) {
      this.error = `${this.options.audio ? 'Camera and microphone are' : 'The camera is'} needed: ${(e as Error).name}`;
      return;
    }
    if (this.stopped) return this.release();
    if (this.options.screen) {
      try {
        this.screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      } catch (e) {
        this.error = `Screen sharing is needed: ${(e as Error).name}`;
      }
      if (this.stopped) return this.release();
    }
    this.recorders = [new SegmentRecorder(this.camera, this.sessionId, this.options.track)];
    if (this.screen) this.recorders.push(new SegmentRecorder(this.screen, this.sessionId, 'screen'));
    for (const r of this.recorders) r.start();
    window.addEventListener('online', this.onOnline);
    void pendingSegments.flush().catch(() => {}); // segments left from an earlier visit
    await loadIceServers(this.client);
    if (this.stopped) return;
    this.channel.open((s) => void this.onSignal(s));
    await this.channel.send('*', 'ready');
  }

  private async onSignal(s: SignalMessage): Promise<void> {
    if (await this.calls.handle(s)) return;
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
      case 'mobile-alive':
        this.mobileSeenAt = Date.now();
        break;
    }
  }

  /** Tells `to` (the test-taker's computer) that this phone is still there: the computer reports n2 when it stops. */
  async heartbeat(to: string): Promise<void> {
    await this.channel.send(to, 'mobile-alive').catch(() => {});
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


  /** The test-taker hangs up. */
  async hangUp(endCall: () => Promise<void>): Promise<void> {
    const from = this.calls.call?.from;
    this.calls.end();
    if (from) await this.channel.send(from, 'call-bye').catch(() => {}); // the proctor's side also learns from CallEnded
    await endCall();
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

  /** Gives camera, microphone and screen back (the browser's recording light goes off). */
  private release(): void {
    for (const s of [this.camera, this.screen]) s?.getTracks().forEach((t) => t.stop());
  }
}
