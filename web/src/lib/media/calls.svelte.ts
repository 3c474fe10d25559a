import type { Client } from '@urql/core';
import { request } from '../client.js';
import { END_CALL, START_CALL } from './documents.js';
import type { PlacedCall, ReceivedCall } from './ports.js';
import { gathered, ICE_SERVERS, type SignalChannel, type SignalMessage } from './signals.js';

/**
 * The test-taker's side of a proctor's call, browser to browser through signals in both engines (a call is one to
 * one: nothing to gain from a media server). The same messages as ParticipantMedia's: call-offer, call-answer,
 * call-candidate, call-bye.
 */
export class CallAnswerer {
  call = $state<ReceivedCall | null>(null);
  private peer: RTCPeerConnection | null = null;

  constructor(private readonly channel: SignalChannel) {}

  /** Takes the call signals (offer, candidate, bye); says whether `s` was one. */
  async handle(s: SignalMessage): Promise<boolean> {
    switch (s.kind) {
      case 'call-offer':
        await this.answer(s.from, s.payload);
        return true;
      case 'call-candidate':
        await this.candidate(s.payload);
        return true;
      case 'call-bye':
        this.end();
        return true;
      default:
        return false;
    }
  }

  async answer(from: string, payload: { sdp: RTCSessionDescriptionInit; video: boolean }): Promise<void> {
    this.end();
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.peer = pc;
    const remote = new MediaStream();
    this.call = { stream: remote, video: payload.video, from };
    pc.ontrack = (e) => {
      remote.addTrack(e.track);
      this.call = { stream: remote, video: payload.video, from };
    };
    await pc.setRemoteDescription(payload.sdp);
    await pc.setLocalDescription(await pc.createAnswer());
    await this.channel.send(from, 'call-answer', await gathered(pc));
  }

  async candidate(candidate: RTCIceCandidateInit): Promise<void> {
    await this.peer?.addIceCandidate(candidate).catch(() => {});
  }

  /** The test-taker hangs up: the proctor's browser hears it at once; `endCall` records it (the proctor's page also learns from CallEnded). */
  async hangUp(endCall: () => Promise<void>): Promise<void> {
    const from = this.call?.from;
    this.end();
    if (from) await this.channel.send(from, 'call-bye').catch(() => {});
    await endCall();
  }

  end(): void {
    this.peer?.close();
    this.peer = null;
    this.call = null;
  }
}

/** The proctor's side of a call (a ViewerMedia's, in both engines): records it on the server, offers, takes the answer, hangs up. */
export class CallPlacer {
  call = $state<PlacedCall | null>(null);
  error = $state<string | null>(null);
  private peer: RTCPeerConnection | null = null;

  constructor(private readonly client: Client, private readonly channel: SignalChannel, private readonly participant: string) {}

  /** Takes the call signals (answer, candidate, bye); says whether `s` was one. */
  async handle(s: SignalMessage): Promise<boolean> {
    switch (s.kind) {
      case 'call-answer':
        await this.answered(s.payload);
        return true;
      case 'call-candidate':
        await this.candidate(s.payload);
        return true;
      case 'call-bye':
        this.end();
        return true;
      default:
        return false;
    }
  }

  /** Calls the test-taker: microphone only, or camera and microphone. A failure is kept in `error`. */
  async start(video: boolean): Promise<void> {
    this.error = null;
    try {
      const local = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      const { startCall } = await request(
        this.client, START_CALL, { s: this.channel.sessionId, v: video }, 'mutation',
      );
      await this.place(startCall.callId, video, local);
    } catch (e) {
      this.error = (e as Error).message;
      this.end();
    }
  }

  /** The proctor hangs up: the test-taker's browser hears it at once, the server records the end. */
  async hangUp(): Promise<void> {
    const call = this.call;
    this.end();
    if (!call) return;
    await this.channel.send(this.participant, 'call-bye').catch(() => {});
    await request(this.client, END_CALL, { s: this.channel.sessionId, c: call.callId }, 'mutation').catch(() => {});
  }

  private async place(callId: string, video: boolean, local: MediaStream): Promise<void> {
    const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
    this.peer = pc;
    for (const track of local.getTracks()) pc.addTrack(track, local);
    await pc.setLocalDescription(await pc.createOffer());
    this.call = { callId, video, local };
    await this.channel.send(this.participant, 'call-offer', { sdp: await gathered(pc), video });
  }

  private async answered(sdp: RTCSessionDescriptionInit): Promise<void> {
    await this.peer?.setRemoteDescription(sdp);
  }

  async candidate(candidate: RTCIceCandidateInit): Promise<void> {
    await this.peer?.addIceCandidate(candidate).catch(() => {});
  }

  end(): void {
    this.peer?.close();
    this.peer = null;
    this.call?.local.getTracks().forEach((t) => t.stop());
    this.call = null;
  }
}
