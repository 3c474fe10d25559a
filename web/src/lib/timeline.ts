import { faceVerdict } from './faces.js';
/**
 * The protocol timeline as data: one column per minute of the session coloured from green to red by the sum of its
 * metrics, markers for the moments of the first section (face photos, chat, notes), and the recorded segments of
 * each track with their gaps. Pure, so the page only draws it.
 */
export interface TimelineInput {
  startedAt: string | null;
  stoppedAt: string | null;
  duration: number;
  minutes: ReadonlyArray<{ minute: number; total: number; values: ReadonlyArray<{ code: string; value: number }> }>;
  entries: ReadonlyArray<{ seq: number; kind: string; type: string; at: string; data: Record<string, unknown> }>;
  segments?: ReadonlyArray<{ track: string; start: string; durationMs: number }>;
}

export interface TimelineMinute {
  minute: number;
  total: number;
  color: string;
  red: boolean;
  values: Array<{ code: string; value: number }>;
}

export interface Marker {
  seq: number;
  kind: 'face' | 'message' | 'incident' | 'note';
  /** Minutes from the start (fractional). */
  at: number;
  label: string;
  color: string;
}

export interface Track {
  track: string;
  segments: Array<{ from: number; to: number }>;
  /** Stretches of session time with no recording, in minutes from the start. */
  gaps: Array<{ from: number; to: number }>;
}

export interface TimelineModel {
  startMs: number;
  minuteCount: number;
  minutes: TimelineMinute[];
  markers: Marker[];
  tracks: Track[];
}

/** A minute is red from this sum of metric values up (half a minute of one violation, or several smaller ones). */
export const RED_FROM = 50;
const FACE_COLOURS: Record<string, string> = { green: '#2e7d32', yellow: '#f9a825', red: '#c62828' };

/** Green (0) through yellow to red (100 and more). */
export function minuteColor(total: number): string {
  const hue = Math.round(120 * (1 - Math.min(Math.max(total, 0), 100) / 100));
  return `hsl(${hue}, 70%, 42%)`;
}

export function buildTimeline(input: TimelineInput, tracks: readonly string[] = ['camera', 'screen']): TimelineModel {
  const startMs = Date.parse(input.startedAt ?? input.entries[0]?.at ?? new Date(0).toISOString());
  const endMs = input.stoppedAt ? Date.parse(input.stoppedAt) : startMs + input.duration * 60_000;
  const recorded = input.minutes.length ? Math.max(...input.minutes.map((m) => m.minute)) + 1 : 0;
  const minuteCount = Math.max(1, Math.ceil((endMs - startMs) / 60_000), recorded);
  const byMinute = new Map(input.minutes.map((m) => [m.minute, m]));
  const minutes = Array.from({ length: minuteCount }, (_, minute) => {
    const m = byMinute.get(minute);
    const total = m?.total ?? 0;
    return { minute, total, color: minuteColor(total), red: total >= RED_FROM, values: m ? m.values.filter((v) => v.value > 0).map((v) => ({ ...v })) : [] };
  });
  const at = (iso: string) => Math.max(0, Math.min(minuteCount, (Date.parse(iso) - startMs) / 60_000));
  const markers: Marker[] = [];
  for (const e of input.entries) {
    if (e.kind === 'face') {
      const result = String(e.data.result ?? '');
      const verdict = faceVerdict({ result, reason: (e.data.reason as string | null | undefined) ?? null, faceCount: (e.data.faceCount as number | null | undefined) ?? null });
      markers.push({ seq: e.seq, kind: 'face', at: at(e.at), label: `Face photo: ${verdict}`, color: FACE_COLOURS[result] ?? '#5d6b7a' });
    } else if (e.kind === 'message') {
      const incident = Boolean(e.data.incident);
      markers.push({ seq: e.seq, kind: incident ? 'incident' : 'message', at: at(e.at), label: `${String(e.data.from ?? '')}: ${String(e.data.text ?? '')}`, color: incident ? '#c62828' : '#1f6feb' });
    } else if (e.kind === 'note') {
      markers.push({ seq: e.seq, kind: 'note', at: at(e.at), label: `Note: ${String(e.data.text ?? '')}`, color: '#6f42c1' });
    }
  }
  const trackModels = tracks.map((track) => {
    const segments = (input.segments ?? [])
      .filter((s) => s.track === track)
      .map((s) => ({ from: at(s.start), to: Math.min(minuteCount, at(s.start) + s.durationMs / 60_000) }))
      .sort((a, b) => a.from - b.from);
    const gaps: Array<{ from: number; to: number }> = [];
    let covered = 0;
    for (const s of segments) {
      if (s.from > covered + 1e-6) gaps.push({ from: covered, to: s.from });
      covered = Math.max(covered, s.to);
    }
    if (covered < minuteCount - 1e-6) gaps.push({ from: covered, to: minuteCount });
    return { track, segments, gaps };
  });
  return { startMs, minuteCount, minutes, markers, tracks: trackModels };
}

/** The first red minute after `fromMinute`, or null when there is none. */
export function nextViolation(model: TimelineModel, fromMinute: number): number | null {
  return model.minutes.find((m) => m.red && m.minute > Math.floor(fromMinute))?.minute ?? null;
}

/** The session minute under a click at `x` of a timeline `width` pixels wide. */
export function minuteAt(x: number, width: number, minuteCount: number): number {
  return Math.max(0, Math.min(minuteCount, (x / Math.max(width, 1)) * minuteCount));
}
