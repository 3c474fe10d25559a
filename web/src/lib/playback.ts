/**
 * The protocol player's plan, as data: where each stored segment sits on one media timeline shared by every track,
 * which stretches of the session hold any recording (the rest is skipped), and the small decisions the player makes
 * on every tick (what to load, how to keep a track in step). Pure, so it is tested without a browser.
 *
 * Media time is seconds from `originMs` (the session start, or the first segment if one began before it). Every track's
 * <video> plays on that timeline (each segment is appended at its own start), so keeping tracks in step is keeping
 * their `currentTime`s equal.
 */

/** A stored recording segment as the protocol lists it. */
export interface SegmentRef {
  track: string;
  seq: number;
  start: string;
  durationMs: number;
}

export interface PlannedSegment {
  track: string;
  seq: number;
  /** Media seconds. */
  from: number;
  to: number;
  /** Frames at or after this are not appended: a segment's tail never overwrites the start of the next one. */
  windowEnd: number;
}

export interface Stretch {
  from: number;
  to: number;
}

export interface PlaybackPlan {
  originMs: number;
  /** The session start: position 0 of the timeline. */
  startMs: number;
  /** Tracks that have segments, in the order that decides which one leads (the camera carries the sound). */
  tracks: string[];
  segments: Record<string, PlannedSegment[]>;
  /** Where at least one track is recorded, with holes shorter than `minGap` closed. */
  stretches: Stretch[];
  /** Where nothing is recorded for `minGap` or longer: skipped, and said so. */
  gaps: Stretch[];
  /** The end of the last segment. */
  end: number;
}

export const TRACK_ORDER = ['camera', 'screen', 'mobile'] as const;

/** Holes in the recording shorter than this (seconds) are played through (they are a recorder restarting). */
export const MIN_GAP_S = 1;

export function planPlayback(refs: readonly SegmentRef[], startMs: number, minGap = MIN_GAP_S): PlaybackPlan {
  const starts = refs.map((r) => Date.parse(r.start)).filter((t) => Number.isFinite(t));
  const originMs = Math.min(startMs, ...starts);
  const media = (ms: number) => (ms - originMs) / 1000;
  const segments: Record<string, PlannedSegment[]> = {};
  for (const r of refs) {
    const from = media(Date.parse(r.start));
    if (!Number.isFinite(from) || !(r.durationMs > 0)) continue;
    (segments[r.track] ??= []).push({ track: r.track, seq: r.seq, from, to: from + r.durationMs / 1000, windowEnd: Infinity });
  }
  for (const list of Object.values(segments)) {
    list.sort((a, b) => a.from - b.from || a.seq - b.seq);
    for (let i = 0; i + 1 < list.length; i++) list[i].windowEnd = list[i + 1].from;
  }
  const known = TRACK_ORDER.filter((t) => segments[t]);
  const tracks = [...known, ...Object.keys(segments).filter((t) => !known.includes(t as (typeof TRACK_ORDER)[number])).sort()];
  const all = Object.values(segments).flat().sort((a, b) => a.from - b.from);
  const stretches: Stretch[] = [];
  for (const s of all) {
    const last = stretches.at(-1);
    if (last && s.from < last.to + minGap) last.to = Math.max(last.to, s.to);
    else stretches.push({ from: s.from, to: s.to });
  }
  const gaps: Stretch[] = [];
  for (let i = 0; i + 1 < stretches.length; i++) gaps.push({ from: stretches[i].to, to: stretches[i + 1].from });
  return { originMs, startMs, tracks, segments, stretches, gaps, end: stretches.at(-1)?.to ?? 0 };
}

/** Media seconds of a timeline position (minutes from the session start), and back. */
export const mediaOf = (plan: PlaybackPlan, minutes: number) => (plan.startMs - plan.originMs) / 1000 + minutes * 60;
export const minutesOf = (plan: PlaybackPlan, media: number) => (media - (plan.startMs - plan.originMs) / 1000) / 60;

/** The stretch that holds `t`, or null in a gap, before the first or after the last. */
export function stretchAt(plan: PlaybackPlan, t: number): Stretch | null {
  return plan.stretches.find((s) => s.from <= t && t < s.to) ?? null;
}

/** Where playback asked for at `t` really starts: `t` inside a recorded stretch, else the next one's start; null past the end. */
export function resumeAt(plan: PlaybackPlan, t: number): number | null {
  if (stretchAt(plan, t)) return t;
  return plan.stretches.find((s) => s.from > t)?.from ?? null;
}

/** The segment of a track that holds `t`, or null in that track's gap. */
export function segmentAt(list: readonly PlannedSegment[], t: number): PlannedSegment | null {
  return list.find((s) => s.from <= t && t < s.to) ?? null;
}

/** The segments to have appended for playing on from `t`: the one holding `t` and those starting within `ahead` seconds. */
export function segmentsAhead(list: readonly PlannedSegment[], t: number, ahead: number): PlannedSegment[] {
  return list.filter((s) => s.to > t && s.from < t + ahead);
}

/** How far ahead (media seconds) to keep each track loaded at a playback rate: about 10 s of watching, never under 15 s. */
export const aheadFor = (rate: number) => Math.max(15, 10 * rate);
/** How much already played to keep (a short step back needs no download). */
export const BEHIND_S = 10;

/** Keep-window at segment granularity: what may be removed from a track's buffer when playing at `t`. */
export function evictable(list: readonly PlannedSegment[], appended: ReadonlySet<number>, t: number, ahead: number): PlannedSegment[] {
  return list.filter((s) => appended.has(s.seq) && (s.to < t - BEHIND_S || s.from > t + ahead + 5));
}

/** A follower further off than this (media seconds) is moved to the leader's time at once; closer, it is steered. */
export const SEEK_DRIFT_S = 0.5;

/**
 * Keeps a following track in step with the leading one: far off, jump; a little off, play slightly faster or slower
 * for a moment (no seek, so no stutter). `drift` is follower minus leader, in media seconds.
 */
export function followerAction(drift: number, rate: number): { seek: true } | { seek: false; playbackRate: number } {
  if (Math.abs(drift) > SEEK_DRIFT_S) return { seek: true };
  if (Math.abs(drift) < 0.02) return { seek: false, playbackRate: rate };
  // Off by d seconds, it plays (1 - d) times as fast: at 4× a tenth of a second closes in a quarter of a second.
  return { seek: false, playbackRate: rate * Math.min(1.5, Math.max(0.5, 1 - drift)) };
}

/**
 * The leading track's rate while the followers are off. A follower behind by more than 0.08 s (media) is caught up
 * from both sides: it plays faster (`followerAction`) and the leader a little slower (by the lag, at most a quarter).
 * A follower behind is one whose decoder could not keep up (a piece's start, a loaded machine): asking it alone to go
 * faster asks more of what is short, while the leader slowing costs nothing. `lags`: leader minus follower, seconds.
 */
export function leaderRate(lags: readonly number[], rate: number): number {
  const lag = Math.max(0, ...lags.filter((l) => l <= SEEK_DRIFT_S));
  return lag > 0.08 ? rate * (1 - Math.min(0.25, lag)) : rate;
}

/**
 * How long (ms) a track's time may stand still on frames it has before the others wait for it (the leader) or with it
 * (a follower): what costs 0.04 s of media at this rate, at most 40 ms. At 4× that is 10 ms, so one frame of the page
 * with no progress: the tracks drift apart 4 times as fast there, and 40 ms put them 0.26 s apart under load (the
 * leader's decoder busy at a piece's start, the screen running on); 20 ms still let them reach 0.23 s.
 */
export function stillMs(rate: number): number {
  return Math.min(40, 40 / rate);
}

/** Buffered ranges as plain data. */
export type Ranges = ReadonlyArray<readonly [number, number]>;

export function rangesOf(buffered: TimeRanges): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < buffered.length; i++) out.push([buffered.start(i), buffered.end(i)]);
  return out;
}

/** Whether `t` has data to play (with `slack` seconds ahead of it buffered too). */
export function hasDataAt(ranges: Ranges, t: number, slack = 0.05): boolean {
  return ranges.some(([a, b]) => a <= t + 0.001 && t + slack < b);
}

/**
 * A hole in one track's buffered data that playback is about to run into, where the data goes on shortly after:
 * where to jump so it does not stop. Null when `t` is not near the end of a range or nothing follows soon.
 */
export function holeAhead(ranges: Ranges, t: number, lead: number, maxHole = MIN_GAP_S): number | null {
  const i = ranges.findIndex(([a, b]) => a <= t + 0.001 && t < b + 0.001);
  if (i < 0 || ranges[i][1] - t > lead) return null;
  const next = ranges[i + 1];
  return next && next[0] - ranges[i][1] <= maxHole ? next[0] : null;
}

/**
 * Where a paused element should stand to show the picture of `t`, which falls in segment `s` where its buffered data
 * has no frame: the last frame of `s` before `t` (a screen that did not change sends no new frame, so what it showed
 * is still on), else the first frame of `s` after `t` within `within` seconds (its first frame came a little after
 * its stated start). Null when `t` has data or `s` has no frame near.
 */
export function nearestFrame(ranges: Ranges, t: number, s: { from: number; to: number }, within = MIN_GAP_S): number | null {
  if (hasDataAt(ranges, t, 0)) return null;
  const before = [...ranges].reverse().find(([, b]) => b <= t + 0.001 && b > s.from + 0.001);
  if (before) return Math.max(before[0], before[1] - 0.04);
  const after = ranges.find(([a]) => a > t && a < s.to && a - t <= within);
  return after ? after[0] + 0.001 : null;
}

/**
 * Whether a track's frames run out shortly after `t` for good: its buffered data ends within `near` seconds and no
 * segment of the track follows on directly (the next one starts after a hole, or there is none). A <video> stops a
 * little before the end of its data when nothing follows (it keeps some data ahead to play), so the player cannot
 * wait for it to get there: at that point the track has nothing more to give here.
 */
export function runsOut(ranges: Ranges, list: readonly PlannedSegment[], t: number, near = 1.5): boolean {
  const range = ranges.find(([a, b]) => a <= t + 0.001 && t < b + 0.001);
  const end = range ? range[1] : t;
  if (end - t > near) return false;
  const next = list.find((s) => s.from > t && s.from >= end - 0.25);
  return !next || next.from - end >= 0.2;
}
