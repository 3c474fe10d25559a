/** What a remote member's connection has brought so far: the tile's meter and the browser tests read it. */
export interface MemberStats {
  /** Video frames decoded. */
  readonly frames: number;
  /** Total audio energy received (grows while they speak, stays still while their microphone is off). */
  readonly energy: number;
  /** The latest audio level, 0–1. */
  readonly level: number;
}

export const NO_STATS: MemberStats = { frames: 0, energy: 0, level: 0 };

/** Reads `pc`'s inbound statistics (everything it receives comes from one member). */
export async function readStats(pc: RTCPeerConnection | null): Promise<MemberStats> {
  if (!pc || pc.connectionState === 'closed') return NO_STATS;
  let frames = 0, energy = 0, level = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type !== 'inbound-rtp') return;
    if (r.kind === 'video') frames += r.framesDecoded ?? 0;
    if (r.kind === 'audio') {
      energy += r.totalAudioEnergy ?? 0;
      level = Math.max(level, r.audioLevel ?? 0);
    }
  });
  return { frames, energy, level };
}
