import { METRICS } from './metrics.js';

/** What the server saw in one second of a recorded segment (the `seconds` of a RecordingAnalysed event). */
export interface SecondSeen {
  faces: number | null;
  distance: number | null;
  stranger: boolean;
  dark: boolean;
  frozen: boolean;
  db: number | null;
  loud: boolean;
}

/** t1: one minute where the recording and the browser's report differ (a ClientReportContradicted event). */
export interface Contradiction {
  minute: number;
  code: string;
  server: number;
  client: number;
  seconds: number;
}

const TRACKS: Record<string, string> = { camera: 'camera', screen: 'screen', mobile: 'phone camera' };

/** Seconds of each finding in a segment, in words, leaving out what was not seen ("no face 10 s, voices 4 s"). */
export function findingsSummary(seconds: readonly SecondSeen[]): string {
  const counts: Array<[string, number]> = [
    ['no face', seconds.filter((s) => s.faces === 0 && !s.dark).length],
    ['several faces', seconds.filter((s) => (s.faces ?? 0) >= 2).length],
    ['another person', seconds.filter((s) => s.stranger).length],
    ['dark or covered', seconds.filter((s) => s.dark).length],
    ['frozen picture', seconds.filter((s) => s.frozen).length],
    ['voices or noise', seconds.filter((s) => s.loud).length],
  ];
  return counts.filter(([, n]) => n > 0).map(([what, n]) => `${what} ${n} s`).join(', ');
}

/** The protocol's line for a segment the server analysed (or could not). */
export function describeAnalysis(d: Record<string, unknown>): { what: string; details: string | null; tone: 'plain' | 'warning'; who: string } {
  const piece = `piece ${String(d.seq)} of the ${TRACKS[String(d.track)] ?? String(d.track)} recording`;
  if (typeof d.skipped === 'string' && d.skipped) return { what: `could not analyse ${piece}`, details: d.skipped, tone: 'warning', who: 'System' };
  const seconds = Array.isArray(d.seconds) ? (d.seconds as SecondSeen[]) : [];
  const summary = findingsSummary(seconds);
  return { what: `analysed ${piece} (${seconds.length} s)`, details: summary || 'nothing to report', tone: summary ? 'warning' : 'plain', who: 'System' };
}

/** "t1 in minute 3: the recording shows c2 100 %, the browser reported 0 %". */
export function describeContradiction(d: Contradiction): string {
  const description = METRICS[d.code]?.description;
  const metric = description ? `${d.code} (${description.charAt(0).toLowerCase()}${description.slice(1)})` : d.code;
  return `minute ${d.minute + 1}, ${metric}: the recording shows ${d.server}\u00a0%, the browser reported ${d.client}\u00a0% (${d.seconds} s compared)`;
}
