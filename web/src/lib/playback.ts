/** A stored recording segment as the protocol lists it. */
export interface SegmentRef {
  track: string;
  seq: number;
  start: string;
  durationMs: number;
}

/** The segment of `track` that covers `minute` of the session (from `startMs`), and where in it to seek. */
export function segmentAt(segments: readonly SegmentRef[], track: string, startMs: number, minute: number): { segment: SegmentRef; offsetSeconds: number } | null {
  const at = startMs + minute * 60_000;
  for (const s of segments) {
    if (s.track !== track) continue;
    const from = Date.parse(s.start);
    if (at >= from && at < from + s.durationMs) return { segment: s, offsetSeconds: (at - from) / 1000 };
  }
  return null;
}
