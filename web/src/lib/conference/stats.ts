/** What a remote member's connection has brought so far: the tile's meter and the browser tests read it. */
export interface MemberStats {
  /** Video frames decoded. */
  readonly frames: number;
  /** Total audio energy received (grows while they speak, stays still while their microphone is off). */
  readonly energy: number;
  /** The latest audio level, 0–1. */
  readonly level: number;
  /** The connection's state (`none` before there is one): what a tile that shows nothing is waiting for. */
  readonly connection: RTCPeerConnectionState | 'none';
}

export const NO_STATS: MemberStats = { frames: 0, energy: 0, level: 0, connection: 'none' };

/** Reads `pc`'s inbound statistics (everything it receives comes from one member). */
export async function readStats(pc: RTCPeerConnection | null): Promise<MemberStats> {
  if (!pc) return NO_STATS;
  if (pc.connectionState === 'closed') return { ...NO_STATS, connection: 'closed' };
  let frames = 0, energy = 0, level = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type !== 'inbound-rtp') return;
    if (r.kind === 'video') frames += r.framesDecoded ?? 0;
    if (r.kind === 'audio') {
      energy += r.totalAudioEnergy ?? 0;
      level = Math.max(level, r.audioLevel ?? 0);
    }
  });
  return { frames, energy, level, connection: pc.connectionState };
}
