import type { Client } from '@urql/core';
import { mediaEngine, type MediaEngineKind } from '../media/engine.js';
import { loadIceServers } from '../media/signals.js';
import { ConferenceChannel, type RoomSignal } from './channel.js';
import { JanusTransport } from './janus.js';
import { RemoteMember, type DeviceState } from './member.svelte.js';
import { MeshTransport } from './mesh.js';
import type { Transport } from './transport.js';

/** Where this browser stands: not in yet, on the way in, in, left (it may rejoin), or unable to (no camera, refused). */
export type RoomState = 'idle' | 'joining' | 'joined' | 'left' | 'failed';

/** Six people at most: each browser of a mesh sends its picture to every other one. */
const MAX_REMOTE = 5;
/** A small picture: in a mesh each browser encodes it once per other member. */
const CAPTURE: MediaStreamConstraints = { video: { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 10, max: 15 } }, audio: true };

/**
 * One browser in the conference room of a session: its own camera and microphone, everyone else who is there, and
 * the controls (mute, camera off, leave, rejoin). Who is there comes from the room's signals: the server's `hello` and
 * `bye` (a subscription begun or ended) and the members' `here`; the media go through the engine's transport.
 */
export class ConferenceRoom {
  state = $state<RoomState>('idle');
  error = $state<string | null>(null);
  local = $state<MediaStream | null>(null);
  mic = $state(true);
  camera = $state(true);
  members = $state<RemoteMember[]>([]);
  private channel: ConferenceChannel | null = null;
  private transport: Transport | null = null;
  private self: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly client: Client, readonly sessionId: string, private readonly engine: MediaEngineKind = mediaEngine()) {}

  get devices(): DeviceState {
    return { mic: this.mic, camera: this.camera };
  }

  /** Asks for camera and microphone, then enters the room (a new member each time: leaving and joining again is a rejoin). */
  async join(): Promise<void> {
    if (this.state === 'joining' || this.state === 'joined') return;
    this.state = 'joining';
    this.error = null;
    let local: MediaStream;
    try {
      local = await navigator.mediaDevices.getUserMedia(CAPTURE);
    } catch (e) {
      this.error = `Camera and microphone are needed: ${(e as Error).name}`;
      this.state = 'failed';
      return;
    }
    if (this.state !== 'joining') {
      for (const t of local.getTracks()) t.stop(); // left while the browser asked: give them back
      return;
    }
    this.local = local;
    this.applyDevices();
    await loadIceServers(this.client);
    if (this.state !== 'joining') return; // left meanwhile: `leave` gave camera and microphone back
    const memberId = crypto.randomUUID();
    const channel = new ConferenceChannel(this.client, this.sessionId, memberId);
    this.channel = channel;
    const context = { client: this.client, sessionId: this.sessionId, memberId, channel, local, self: () => this.self ?? '' };
    this.transport = this.engine === 'janus' ? new JanusTransport(context) : new MeshTransport(context);
    channel.open((s) => this.channel === channel && this.onSignal(s), (message) => {
      if (this.channel !== channel) return;
      this.leave();
      this.error = message;
      this.state = 'failed';
    });
    this.timer = setInterval(() => void Promise.all(this.members.map((m) => m.refreshStats())), 1000);
  }

  private onSignal(s: RoomSignal): void {
    switch (s.kind) {
      case 'welcome':
        this.welcome(s.from);
        break;
      case 'hello':
        this.remove(s.from); // someone who was here already came back: their old connection is gone
        this.memberOf(s);
        void this.channel?.send(s.from, 'here', { ...this.devices, ...this.transport?.here() });
        break;
      case 'here':
        this.memberOf(s)?.setDevices(s.payload);
        if (s.payload?.published) this.transportSignal(s, 'published');
        break;
      case 'state':
        this.memberOf(s)?.setDevices(s.payload);
        break;
      case 'description':
      case 'candidate':
      case 'published':
        this.transportSignal(s, s.kind);
        break;
      case 'bye':
        this.remove(s.from);
        break;
    }
  }

  /** The server let us in (again, after the live connection came back: everyone then is met anew). */
  private welcome(address: string): void {
    if (this.self) for (const m of [...this.members]) this.remove(m.address);
    this.self = address;
    this.state = 'joined';
    void this.transport?.start();
    void this.channel?.send('*', 'state', this.devices);
  }

  private transportSignal(s: RoomSignal, kind: string): void {
    const member = this.memberOf(s);
    if (member) this.transport?.signal(member, kind, s.payload);
  }

  /** The member who sent `s`, met now if they were not known yet; null when the room is full. */
  private memberOf(s: RoomSignal): RemoteMember | null {
    const known = this.members.find((m) => m.address === s.from);
    if (known) return known;
    if (s.from === this.self || this.members.length >= MAX_REMOTE) return null;
    const member = new RemoteMember(s.from, s.username);
    this.members = [...this.members, member];
    this.transport?.added(member);
    return member;
  }

  private remove(address: string): void {
    const member = this.members.find((m) => m.address === address);
    if (!member) return;
    this.transport?.removed(member);
    this.members = this.members.filter((m) => m !== member);
  }

  toggleMic(): void {
    this.mic = !this.mic;
    this.devicesChanged();
  }

  toggleCamera(): void {
    this.camera = !this.camera;
    this.devicesChanged();
  }

  private devicesChanged(): void {
    this.applyDevices();
    if (this.state === 'joined') void this.channel?.send('*', 'state', this.devices);
  }

  /** Muting keeps the tracks (no new negotiation): a disabled track sends silence and black frames. */
  private applyDevices(): void {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = this.mic;
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = this.camera;
  }

  /** Leaves the room: the others are told at once (and by the server when the subscription ends), the camera goes off. */
  leave(): void {
    if (this.state === 'idle' || this.state === 'left') return;
    if (this.timer) clearInterval(this.timer);
    if (this.state === 'joined') void this.channel?.send('*', 'bye');
    this.channel?.close();
    this.channel = null;
    this.transport?.stop();
    this.transport = null;
    this.members = [];
    this.self = null;
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = null;
    this.state = 'left';
  }
}
