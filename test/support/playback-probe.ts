import { CODE_BANDS, FIXTURE_FPS, type FixtureSegment } from './recording-fixture.js';

/**
 * Instruments the protocol's player from inside the page and sums up what it saw: whether playback stood still,
 * where videos waited, how far apart the tracks were and whether each picture shown is of its own moment.
 */
export interface Sample {
  wall: number;
  /** The position the page shows, seconds from the session start. */
  pos: number;
  playing: boolean;
  /** The track leading (its picture framed), or null. */
  lead: string | null;
  /** `data`: frames at its own time and, in the same run of frames, at the leader's. */
  v: Array<{ track: string; t: number; paused: boolean; seeking: boolean; data: boolean }>;
  /** Tracks whose picture says "Not recorded here". */
  nr: string[];
}
export interface Probe {
  samples: Sample[];
  waiting: Array<{ track: string; t: number; wall: number; lead: string | null }>;
  /**
   * [track, mediaTime, code read from the picture, when it was read, expectedDisplayTime, presentedFrames] per
   * presented frame: the last three tell whether the picture was read before the track's next frame was up (see
   * `measure`).
   */
  frames: Array<[string, number, number, number, number, number]>;
  notices: Array<{ text: string; wall: number }>;
}

/**
 * Watches the player from inside the page: every animation frame the position, the Play/Pause label, the leading
 * track and each video's time, state and whether it has frames at the leader's moment; every `waiting` event; for
 * every frame a video presents (requestVideoFrameCallback) its media time and the session time its picture says;
 * every "Skipped" notice.
 */
export function installProbe(bands: typeof CODE_BANDS): void {
  const probe: Probe = { samples: [], waiting: [], frames: [], notices: [] };
  const videos = [...document.querySelectorAll<HTMLVideoElement>('video[data-track]')];
  const canvas = document.createElement('canvas');
  canvas.width = 192;
  canvas.height = 32;
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  const timeEl = document.querySelector<HTMLElement>('[data-testid="player-time"]')!;
  const button = document.querySelector<HTMLButtonElement>('.player button.play')!;
  const lead = () => document.querySelector<HTMLVideoElement>('.player figure.leader video')?.dataset.track ?? null;
  const has = (v: HTMLVideoElement, t: number) => {
    for (let i = 0; i < v.buffered.length; i++) if (v.buffered.start(i) <= t + 0.001 && t + 0.05 < v.buffered.end(i)) return true;
    return false;
  };
  /** One run of frames holds both moments (a still picture before a hole is its own moment, not behind). */
  const together = (v: HTMLVideoElement, a: number, b: number) => {
    for (let i = 0; i < v.buffered.length; i++) {
      const [from, to] = [v.buffered.start(i), v.buffered.end(i)];
      if (from <= Math.min(a, b) + 0.001 && Math.max(a, b) + 0.05 < to) return true;
    }
    return false;
  };
  for (const v of videos) {
    const track = v.dataset.track!;
    v.addEventListener('waiting', () => probe.waiting.push({ track, t: v.currentTime, wall: performance.now(), lead: lead() }));
    const onFrame = (_now: number, meta: { mediaTime: number; expectedDisplayTime: number; presentedFrames: number }) => {
      // The time of the drawing itself, not the callback's `now` (the start of the rendering step): on a busy machine
      // the page's thread can run the callback well after that, when the compositor has the next frame up.
      const drawnAt = performance.now();
      g.drawImage(v, 0, 0, 192, 32, 0, 0, 192, 32);
      const d = g.getImageData(0, 0, 192, 32).data;
      const digits = bands.xs.map((x) => Math.round(d[(bands.y * 192 + x) * 4] / ((bands.step * 255) / 219)));
      probe.frames.push([track, meta.mediaTime, digits[0] + 32 * digits[1] + 1024 * digits[2], drawnAt, meta.expectedDisplayTime, meta.presentedFrames]);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }
  const player = document.querySelector('.player')!;
  new MutationObserver(() => {
    const text = player.querySelector('.skipped')?.textContent ?? null;
    if (text && probe.notices.at(-1)?.text !== text) probe.notices.push({ text, wall: performance.now() });
  }).observe(player, { subtree: true, childList: true, characterData: true });
  const loop = () => {
    const leader = lead();
    const leaderTime = videos.find((v) => v.dataset.track === leader)?.currentTime;
    probe.samples.push({
      wall: performance.now(),
      pos: Number(timeEl.dataset.seconds),
      playing: button.textContent?.trim() === 'Pause',
      lead: leader,
      v: videos.map((v) => ({
        track: v.dataset.track!, t: v.currentTime, paused: v.paused, seeking: v.seeking,
        data: leaderTime === undefined ? has(v, v.currentTime) : together(v, v.currentTime, leaderTime),
      })),
      nr: [...document.querySelectorAll<HTMLElement>('[data-testid^="not-recorded-"]')].map((e) => e.dataset.testid!.slice('not-recorded-'.length)),
    });
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  (window as unknown as { __probe: Probe }).__probe = probe;
}

export interface Freeze {
  /** Where the leading track stood still, media seconds. */
  at: number;
  ms: number;
  /** It ended in a jump over a gap (a skip), not in playing on. */
  skip: boolean;
  /** Within 0.3 s of the start of a segment of any track. */
  atBoundary: boolean;
}

/**
 * What a run of the player measured. A freeze: the leading track's time stands still while the button says Pause
 * (counted from when playback first moved, so the first download is not one). Boundaries are segment starts;
 * `expected` are places where standing still is the design: the gaps skipped, a change of tracks in a segment
 * (a new MediaSource), the end.
 */
export function measure(probe: Probe, segments: readonly FixtureSegment[], sessionStart: Date, expected: ReadonlyArray<{ from: number; to: number }>) {
  const media = (d: Date) => (d.getTime() - sessionStart.getTime()) / 1000;
  const starts = segments.map((s) => ({ track: s.track, at: media(s.start) }));
  const nearBoundary = (t: number, track?: string) => starts.some((s) => (!track || s.track === track) && Math.abs(t - s.at) < 0.3);
  const explained = (t: number) => expected.some((g) => t > g.from - 1.5 && t < g.to + 0.5);
  const leadTime = (s: Sample) => s.v.find((v) => v.track === s.lead)?.t;
  const playing = probe.samples.filter((s) => s.playing && s.lead);
  const firstMove = playing.findIndex((s, i) => i > 0 && (leadTime(s) ?? 0) > (leadTime(playing[i - 1]) ?? 0) + 1e-3);
  const run = playing.slice(Math.max(0, firstMove - 1));

  const freezes: Freeze[] = [];
  let from = 0;
  for (let i = 1; i < run.length; i++) {
    const [a, b] = [leadTime(run[i - 1])!, leadTime(run[i])!];
    if (Math.abs(b - a) <= 1e-3 && run[i].lead === run[i - 1].lead) continue;
    const ms = run[i - 1].wall - run[from].wall;
    if (ms > 60) freezes.push({ at: leadTime(run[from])!, ms: Math.round(ms), skip: b - a > 0.9, atBoundary: nearBoundary(leadTime(run[from])!) });
    from = i;
  }
  const unexplained = freezes.filter((f) => !f.skip && !explained(f.at));
  const boundaryWaits = probe.waiting.filter((w) => w.track === w.lead && nearBoundary(w.t, w.track) && !explained(w.t));

  // Tracks apart, where they play on: not in the moments after a deliberate jump (a gap, a change of tracks).
  const apart: number[] = [];
  /** Where they were more than 0.2 s apart, which track behind (for a failure's message). */
  const overAt: string[] = [];
  let overSince: number | null = null;
  let longestOverMs = 0;
  for (const s of run) {
    if (explained(leadTime(s)!)) continue;
    const onFrames = s.v.filter((v) => !v.paused && !v.seeking && v.data);
    const times = onFrames.map((v) => v.t);
    if (times.length < 2) continue;
    const spread = Math.max(...times) - Math.min(...times);
    apart.push(spread);
    if (spread > 0.2 && overAt.length < 12) {
      const behind = onFrames.find((v) => v.t === Math.min(...times))!.track;
      overAt.push(`${leadTime(s)!.toFixed(2)}s ${behind} behind ${s.lead} by ${spread.toFixed(3)}`);
    }
    if (spread <= 0.2) overSince = null;
    else longestOverMs = Math.max(longestOverMs, s.wall - (overSince ??= s.wall));
  }
  const over = apart.filter((a) => a > 0.2).length;
  apart.sort((a, b) => a - b);
  // The picture is read by drawing the video in its frame callback, which the browser runs on the page's thread "as a
  // best effort": a callback that runs after the track's next frame is up draws that one. Those frames say nothing
  // of the player and are left out (counted in `framesDrawnLate`).
  const late = drawnLate(probe.frames);
  const alone = aheadAlone(probe.frames, late);
  const signed = probe.frames.filter((_, i) => !late.has(i) && !alone.has(i)).map(([, mediaTime, code]) => code / FIXTURE_FPS - mediaTime);
  const offsets = signed.map(Math.abs).sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    segments: segments.length,
    wallSeconds: run.length ? round((run.at(-1)!.wall - run[0].wall) / 1000) : 0,
    /** Longest stand-still anywhere but at a gap, a change of tracks or the end. */
    longestFreezeMs: Math.max(0, ...unexplained.map((f) => f.ms)),
    longestFreezeAtBoundaryMs: Math.max(0, ...unexplained.filter((f) => f.atBoundary).map((f) => f.ms)),
    freezes: unexplained,
    waitingAtBoundaries: boundaryWaits,
    waitingEvents: probe.waiting.length,
    apartMaxS: round(apart.at(-1) ?? 0),
    apartP99S: round(pct(apart, 0.99)),
    apartSamples: apart.length,
    /** Share of those moments more than 0.2 s apart, and the longest such stretch. */
    apartOver02Share: round(over / Math.max(1, apart.length)),
    apartOver02LongestMs: Math.round(longestOverMs),
    apartOver02At: overAt,
    /** The longest time between two samples while playing: the page's thread starved (the player could not act either). */
    longestSampleGapMs: Math.round(Math.max(0, ...run.slice(1).map((s, i) => s.wall - run[i].wall))),
    frames: offsets.length,
    framesDrawnLate: late.size,
    /** Frames read one frame ahead between two read on time: left out like those drawn late (see `aheadAlone`). */
    framesAheadAlone: alone.size,
    pictureOffMaxS: round(offsets.at(-1) ?? 0),
    /** Frames whose picture is of another moment than the one they were shown at, by more than a frame. */
    picturesOffByMoreThanAFrame: offsets.filter((o) => o > 1 / FIXTURE_FPS + 0.005).length,
    pictureOffP99S: round(pct(offsets, 0.99)),
    /** Of those off by half a frame or more: how many show a later moment (read too late) and how many an earlier one. */
    picturesAhead: signed.filter((o) => o >= 0.5 / FIXTURE_FPS).length,
    picturesBehind: signed.filter((o) => o <= -0.5 / FIXTURE_FPS).length,
  };
}

/**
 * The frames whose picture was read once the same track's next frame was up (or about to be): when that next frame
 * was due is read from the next callback (its expected display time, spread over the frames presented in between when
 * callbacks were skipped).
 */
function drawnLate(frames: Probe['frames']): Set<number> {
  const late = new Set<number>();
  const lastOf = new Map<string, number>();
  frames.forEach(([track, , , , expected, presented], j) => {
    const i = lastOf.get(track);
    lastOf.set(track, j);
    if (i === undefined) return;
    const [, , , drawnAt, expectedBefore, presentedBefore] = frames[i];
    const between = presented - presentedBefore;
    if (between < 1 || expected <= expectedBefore) return; // a new source or a seek: nothing to go by
    // Chromium swaps the frame a drawing takes about one display refresh before showing it.
    if (drawnAt >= expectedBefore + (expected - expectedBefore) / between - 1000 / 60) late.add(i);
  });
  return late;
}

/**
 * The frames, beyond those `drawnLate` found, whose picture is the track's next frame while the frames read before and
 * after them on that track are of their own moment. That is a reading made just as the next frame came up, which the
 * times the browser gives cannot always tell (it is never one frame behind); a player that puts a segment in the wrong
 * place shows every frame of it off, not one.
 */
function aheadAlone(frames: Probe['frames'], late: ReadonlySet<number>): Set<number> {
  const alone = new Set<number>();
  const byTrack = new Map<string, number[]>();
  frames.forEach(([track], i) => {
    if (late.has(i)) return;
    const seq = byTrack.get(track) ?? [];
    byTrack.set(track, seq);
    seq.push(i);
  });
  const off = (i: number) => frames[i][2] / FIXTURE_FPS - frames[i][1];
  const onTime = (i: number | undefined) => i !== undefined && Math.abs(off(i)) < 0.5 / FIXTURE_FPS;
  for (const seq of byTrack.values()) {
    seq.forEach((i, k) => {
      const o = off(i);
      if (o >= 0.5 / FIXTURE_FPS && o < 1.5 / FIXTURE_FPS && onTime(seq[k - 1]) && onTime(seq[k + 1])) alone.add(i);
    });
  }
  return alone;
}
