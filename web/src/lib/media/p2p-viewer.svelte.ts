import type { Client } from '@urql/core';
import { gathered, ICE_SERVERS, type SignalMessage } from './signals.js';
import { ViewerBase } from './viewer-base.svelte.js';

/**
 * The proctor's side of one session in `p2p` mode: asks the test-taker's browser for its streams and receives camera,
 * microphone and screen; tells it whether this tile is active (full quality) or not. Also the watcher of the phone of
 * the second camera, in both engines.
 */
export class P2pViewerMedia extends ViewerBase {
  constructor(client: Client, sessionId: string, participant: string) {
    super(client, sessionId, participant, 2500);
  }

  protected ask(): boolean {
    void this.channel.send(this.participant, 'request', { active: this.active }).catch(() => {});
    return true;
  }

  protected async onSignal(s: SignalMessage): Promise<void> {
    switch (s.kind) {
      case 'ready': // the test-taker's page (re)started: ask again
        await this.channel.send(this.participant, 'request', { active: this.active });
        break;
      case 'offer':
        await this.accept(s.payload);
        break;
      case 'candidate':
        await this.pc?.addIceCandidate(s.payload).catch(() => {});
        break;
    }
  }

  private async accept(payload: { sdp: RTCSessionDescriptionInit; streams: { camera: string; screen: string | null } }): Promise<void> {
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.pc = pc;
    this.state = 'connecting';
    this.connectingSince = Date.now();
    pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (!stream) return;
      if (stream.id === payload.streams.camera) this.camera = stream;
      else if (stream.id === payload.streams.screen) this.screen = stream;
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') this.state = 'live';
      if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected') this.state = 'lost';
    };
    await pc.setRemoteDescription(payload.sdp);
    await pc.setLocalDescription(await pc.createAnswer());
    await this.channel.send(this.participant, 'answer', await gathered(pc));
  }

  /** The test-taker's browser changes what it sends to this watcher. */
  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    void this.channel.send(this.participant, 'quality', { active }).catch(() => {});
  }

  protected disconnect(): void {
    void this.channel.send(this.participant, 'bye').catch(() => {});
    this.pc?.close();
  }
}
