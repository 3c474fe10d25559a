import { NO_STATS, readStats, type MemberStats } from './stats.js';

/** The microphone and camera state a member tells the room (local toggles: the tracks go on sending, muted). */
export interface DeviceState {
  readonly mic: boolean;
  readonly camera: boolean;
}

/** One other person in the room, as this browser sees them: their picture and sound, what they say of their devices. */
export class RemoteMember {
  stream = $state<MediaStream | null>(null);
  mic = $state(true);
  camera = $state(true);
  stats = $state<MemberStats>(NO_STATS);
  /** The connection their media comes through (the mesh's pair, or the Janus watch). */
  pc: RTCPeerConnection | null = null;

  constructor(readonly address: string, readonly username: string) {}

  /** What they told the room of their microphone and camera (a message may carry neither). */
  setDevices(state: Partial<DeviceState> | null | undefined): void {
    if (typeof state?.mic === 'boolean') this.mic = state.mic;
    if (typeof state?.camera === 'boolean') this.camera = state.camera;
  }

  async refreshStats(): Promise<void> {
    this.stats = await readStats(this.pc).catch(() => NO_STATS);
  }
}
