import type { GrowingMap } from '../core/growing-map.js';
import type { CheckedCode, SessionEvent } from './events.js';

/** What the server saw in one minute of the camera track: seconds seen, and seconds in violation per code. */
export interface ServerTally {
  /** Seconds with a frame looked at (c2, c3), with a face compared to the reference (c4), with sound (m2). */
  readonly frames: number;
  readonly identified: number;
  readonly audio: number;
  readonly hits: Readonly<Record<CheckedCode, number>>;
}

/** The state's fields an analysis changes. */
interface Tallied {
  readonly analysed: GrowingMap<string, true>;
  readonly startedAt: string | null;
  readonly serverMinutes: Readonly<Record<number, ServerTally>>;
}

type Analysed = Extract<SessionEvent, { type: 'RecordingAnalysed' }>['data'];

/** The new state after an analysis: the camera track's seconds tallied into the session's minutes. */
export function recordingAnalysed<S extends Tallied>(state: S, d: Analysed): S {
  const analysed = state.analysed.with(`${d.track}:${d.seq}`, true);
  if (d.track !== 'camera' || !state.startedAt) return { ...state, analysed };
  const serverMinutes = { ...state.serverMinutes };
  const startedAt = Date.parse(state.startedAt);
  d.seconds.forEach((f, i) => {
    // As the browser counts: whole minutes of wall-clock time since the start.
    const minute = Math.floor((Date.parse(d.start) + i * 1000 - startedAt) / 60_000);
    if (minute < 0) return;
    const t = serverMinutes[minute] ?? { frames: 0, identified: 0, audio: 0, hits: { c2: 0, c3: 0, c4: 0, m2: 0 } };
    const frame = f.faces !== null;
    serverMinutes[minute] = {
      frames: t.frames + (frame ? 1 : 0),
      identified: t.identified + (f.distance !== null ? 1 : 0),
      audio: t.audio + (f.db !== null ? 1 : 0),
      hits: {
        c2: t.hits.c2 + (frame && (f.faces === 0 || f.dark) ? 1 : 0),
        c3: t.hits.c3 + (frame && (f.faces ?? 0) >= 2 ? 1 : 0),
        c4: t.hits.c4 + (f.distance !== null && f.stranger ? 1 : 0),
        m2: t.hits.m2 + (f.db !== null && f.loud ? 1 : 0),
      },
    };
  });
  return { ...state, analysed, serverMinutes };
}
