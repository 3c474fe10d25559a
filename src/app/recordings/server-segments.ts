import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { IllegalStateError } from '../../domain/core/errors.js';
import type { RecordingTrack } from '../../domain/session/events.js';
import { recordingSegments } from '../../projections/protocol/queries.js';
import type { Core } from '../core/core.js';

/**
 * The segments a media server records (Janus), numbered per session and track and stored as the system's: the media
 * side converts and keeps the content, this records it. Numbers continue from what the protocol has stored.
 */
export class ServerSegments {
  /** Per `session/track`: the number the next segment takes. */
  private readonly seqs = new Map<string, number>();

  constructor(private readonly core: Core) {}

  /** Records a stored segment (its content already in the blob store) under the track's next number. */
  async store(sessionId: string, track: RecordingTrack, data: { start: Date; durationMs: number; size: number; sha256: string }): Promise<void> {
    const key = await this.track(sessionId, track);
    for (let attempt = 0; ; attempt++) {
      const seq = this.seqs.get(key)!;
      try {
        await this.core.session(sessionId, 'StoreRecordingSegment', { track, seq, ...data }, SYSTEM_ACTOR);
        this.seqs.set(key, seq + 1);
        return;
      } catch (error) {
        // Another node (or an upload) took this number, for a segment or a gap: take the next one.
        if (error instanceof IllegalStateError && /already (stored|recorded lost)/.test(error.message) && attempt < 5) this.seqs.set(key, seq + 1);
        else throw error;
      }
    }
  }

  /**
   * A piece that could not be made into a segment, or a stretch nothing was recorded in: recorded lost under the next
   * number, with why. A number another node took meanwhile (the session answers nothing for it) is passed over.
   */
  async recordLost(sessionId: string, track: RecordingTrack, piece: { start: Date; durationMs: number; reason: string }): Promise<void> {
    const key = await this.track(sessionId, track);
    for (let attempt = 0; attempt < 5; attempt++) {
      const seq = this.seqs.get(key)!;
      this.seqs.set(key, seq + 1);
      const { events } = await this.core.session(sessionId, 'RefuseRecordingSegment', { track, seq, ...piece, final: true }, SYSTEM_ACTOR);
      if (events.length) return;
    }
    throw new IllegalStateError(`could not record a lost piece of ${track}: the session took none of the numbers tried (taken, or no more refusals recorded)`);
  }

  /** The track's key, its next number known (read from the protocol the first time). */
  private async track(sessionId: string, track: RecordingTrack): Promise<string> {
    const key = `${sessionId}/${track}`;
    if (!this.seqs.has(key)) {
      const stored = await recordingSegments(this.core.db, sessionId, track);
      this.seqs.set(key, stored.reduce((max, s) => Math.max(max, s.seq + 1), 0));
    }
    return key;
  }
}
