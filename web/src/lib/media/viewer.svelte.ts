import type { Client } from '@urql/core';
import { request } from '../client.js';
import { CallPlacer } from './calls.svelte.js';
import { cameraFramesDecoded, gathered, ICE_SERVERS, SignalChannel, type SignalMessage } from './signals.js';

const START_CALL = `mutation StartCall($s: ID!, $v: Boolean!) { startCall(sessionId: $s, video: $v) { callId video } }`;
const END_CALL = `mutation EndCall($s: ID!, $c: ID!) { endCall(sessionId: $s, callId: $c) }`;

/**
 * The proctor's side of one session: asks the test-taker's browser for its streams and receives camera, microphone
 * and screen; tells it whether this tile is active (full quality) or not; places and ends calls.
 */
export class ViewerMedia {
  camera = $state<MediaStream | null>(null);
  screen = $state<MediaStream | null>(null);
  state = $state<'waiting' | 'connecting' | 'live' | 'lost'>('waiting');
  /** Camera frames decoded so far, refreshed every 2 s: the tile's "live" sign. */
  frames = $state(0);
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  callError = $state<string | null>(null);
  private readonly channel: SignalChannel;
  private pc: RTCPeerConnection | null = null;
  private readonly calls: CallPlacer;
  private active = false;

  constructor(private readonly client: Client, readonly sessionId: string, private readonly participant: string) {
    this.channel = new SignalChannel(client, sessionId);
    this.calls = new CallPlacer(this.channel, participant);
  }

  /** The call in progress from this tile. */
  get call() {
    return this.calls.call;
  }

  open(active: boolean): void {
    this.active = active;
    this.channel.open((s) => void this.onSignal(s));
    // Ask until an offer comes: our own subscription may not be listening yet when the first answer to a request
    // would arrive, the test-taker may not be on the exam page yet, or the connection may have dropped.
    let asked = 0;
    this.statsTimer = setInterval(() => {
      void this.framesDecoded().then((f) => (this.frames = f));
      const stuck = this.state === 'waiting' || this.state === 'lost' || (this.state === 'connecting' && Date.now() - this.connectingSince > 10_000);
      if (stuck && Date.now() - asked > 2500) {
        asked = Date.now();
        void this.channel.send(this.participant, 'request', { active: this.active }).catch(() => {});
      }
    }, 1000);
  }
  private connectingSince = 0;

  private async onSignal(s: SignalMessage): Promise<void> {
    if (s.from !== this.participant) return;
    if (await this.calls.handle(s)) return;
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

  /** Full quality while active, tile quality otherwise. */
  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    void this.channel.send(this.participant, 'quality', { active }).catch(() => {});
  }

  /** Calls the test-taker: microphone only, or camera and microphone. */
  async startCall(video: boolean): Promise<void> {
    this.callError = null;
    try {
      const local = await navigator.mediaDevices.getUserMedia({ audio: true, video });
      const { startCall } = await request<{ startCall: { callId: string; video: boolean } }, { s: string; v: boolean }>(this.client, START_CALL, { s: this.sessionId, v: video }, 'mutation');
      await this.calls.place(startCall.callId, video, local);
    } catch (e) {
      this.callError = (e as Error).message;
      this.calls.end();
    }
  }

  async hangUp(): Promise<void> {
    const call = this.calls.call;
    this.calls.end();
    if (!call) return;
    await this.channel.send(this.participant, 'call-bye').catch(() => {});
    await request(this.client, END_CALL, { s: this.sessionId, c: call.callId }, 'mutation').catch(() => {});
  }


  close(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    void this.channel.send(this.participant, 'bye').catch(() => {});
    this.calls.end();
    this.pc?.close();
    this.channel.close();
  }

  /** Frames decoded so far on the camera track (the browser tests read this). */
  framesDecoded(): Promise<number> {
    return cameraFramesDecoded(this.pc, this.camera);
  }

  /** Frames decoded so far on one of this session's streams (0 while it has none): the large view shows it moving. */
  async framesDecodedOf(stream: MediaStream | null): Promise<number> {
    return stream ? cameraFramesDecoded(this.pc, stream) : 0;
  }
}

/**
 * The watchers the grid needs for `live` sessions: keeps the ones still wanted, closes the others, creates the missing
 * ones. Answers null when nothing changed (so the caller does not store a new object and loop).
 */
export function reconcileViewers(
  current: Readonly<Record<string, ViewerMedia>>,
  live: ReadonlyArray<{ id: string; student: string }>,
  create: (session: { id: string; student: string }) => ViewerMedia,
): Record<string, ViewerMedia> | null {
  const wanted = new Map(live.map((s) => [s.id, s]));
  const next: Record<string, ViewerMedia> = {};
  let changed = false;
  for (const [id, v] of Object.entries(current)) {
    if (wanted.has(id)) next[id] = v;
    else {
      v.close();
      changed = true;
    }
  }
  for (const [id, s] of wanted) {
    if (!next[id]) {
      next[id] = create(s);
      changed = true;
    }
  }
  return changed ? next : null;
}
