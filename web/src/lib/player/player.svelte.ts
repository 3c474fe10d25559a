import {
  aheadFor, followerAction, hasDataAt, holeAhead, leaderRate, MIN_GAP_S, nearestFrame, resumeAt, runsOut, SEEK_DRIFT_S, segmentAt, stillMs, stretchAt,
  type PlaybackPlan, type Stretch,
} from '../playback.js';
import { TrackFeed, type SegmentFetcher } from './feed.js';

export type TrackState = 'idle' | 'loading' | 'playing' | 'not-recorded';
export const RATES = [1, 2, 4] as const;

const TICK_MS = 50;
/** An element whose time stands still this long (ms) at the end of its data has nothing more to play there. */
const STILL_MS = 150;
/**
 * A follower whose picture stands still on frames it has (`stillMs`) is waited for, but not for longer than
 * this (ms) of its standing still: past it, it is left to catch up or be moved.
 */
const FOLLOWER_WAIT_MS = 200;
/** A track takes over the lead only if its frames go on at least this far (media seconds). */
const TAKE_OVER_S = 0.5;
/** A paused element's seek onto its data that has not given a picture after this long (ms) waits for more frames. */
const STILL_SEEK_MS = 400;

/**
 * An element seeking to where its buffer holds nothing: such a seek never completes (the element waits for data no one
 * will append there, after a switch of MediaSource or an eviction), so it must not stop the player from moving it.
 */
const seekingNowhere = (f: TrackFeed): boolean => f.video.seeking && !hasDataAt(f.ranges(), f.video.currentTime, 0);

/**
 * Plays every recorded track of a session continuously and in step. One track leads (the first of camera, screen,
 * phone that has frames at the current moment: the camera, when there is one, carries the sound); the others follow
 * its clock, steered by a slightly faster or slower rate when a little off and moved at once when far off. Stretches
 * where nothing was recorded are skipped and the skip is kept as a mark; a track with a hole of its own shows
 * "not recorded" while the others play on.
 */
export class RecordingPlayer {
  playing = $state(false);
  rate = $state<number>(1);
  /** The current moment, media seconds. */
  time = $state(0);
  /** The last stretch skipped because nothing was recorded in it. */
  skipped = $state<Stretch | null>(null);
  tracks = $state<Record<string, TrackState>>({});
  error = $state<string | null>(null);
  /** Which track gives the clock now. */
  leader = $state<string | null>(null);

  private readonly videos = new Map<string, HTMLVideoElement>();
  private readonly feeds = new Map<string, TrackFeed>();
  private readonly starting = new Set<HTMLVideoElement>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly plan: PlaybackPlan,
    private readonly fetcher: SegmentFetcher,
  ) {
    this.time = (plan.startMs - plan.originMs) / 1000;
    for (const track of plan.tracks) this.tracks[track] = 'idle';
  }

  attach(track: string, video: HTMLVideoElement): void {
    this.videos.set(track, video);
  }

  /** Whether segments are being fetched (a view was opened). */
  get started(): boolean {
    return this.feeds.size > 0;
  }

  private ensureFeeds(): void {
    for (const track of this.plan.tracks) {
      const video = this.videos.get(track);
      if (!video || this.feeds.has(track)) continue;
      video.playbackRate = this.rate;
      this.feeds.set(track, new TrackFeed(track, video, this.plan.segments[track], this.fetcher, this.plan.end + 1, () => this.onFeed()));
    }
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    // While the page is drawn, also on every frame: a follower drifting or a leader stopping is seen at once.
    const frame = () => {
      if (!this.timer) return;
      if (this.playing) this.tick();
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  private onFeed(): void {
    const failed = [...this.feeds.values()].map((f) => f.error).filter(Boolean);
    this.error = failed.length ? failed.join('; ') : null;
  }

  play(): void {
    this.ensureFeeds();
    for (const f of this.feeds.values()) f.release();
    let t = this.time;
    if (t >= this.plan.end - 0.05) t = this.plan.stretches[0]?.from ?? 0; // from the start again, as players do
    const from = resumeAt(this.plan, t);
    if (from === null) return;
    if (from - t >= MIN_GAP_S) this.skipped = { from: t, to: from };
    if (from !== this.time || !this.leader) this.moveTo(from);
    this.playing = true;
    this.tick();
  }

  pause(): void {
    this.playing = false;
    for (const v of this.videos.values()) v.pause();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  /** Goes to `t` (media seconds), playing on from there if playing. */
  seek(t: number): void {
    this.skipped = null;
    this.ensureFeeds();
    this.moveTo(Math.max(0, Math.min(this.plan.end, t)));
    this.tick();
  }

  setRate(rate: number): void {
    this.rate = rate;
    for (const v of this.videos.values()) v.playbackRate = rate;
  }

  destroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const f of this.feeds.values()) f.destroy();
    this.feeds.clear();
  }

  private moveTo(t: number): void {
    this.time = t;
    this.leader = null;
    for (const f of this.feeds.values()) f.seek(t, aheadFor(this.rate));
  }

  private run(video: HTMLVideoElement, rate: number): void {
    if (video.playbackRate !== rate) video.playbackRate = rate;
    if (!video.paused || this.starting.has(video)) return;
    this.starting.add(video);
    video
      .play()
      .catch((e: Error) => {
        if (e.name === 'NotAllowedError') this.error = 'The browser blocked playback: press Play again.';
      })
      .finally(() => this.starting.delete(video));
  }

  private setState(track: string, state: TrackState): void {
    if (this.tracks[track] !== state) this.tracks[track] = state;
  }

  private end(): void {
    this.pause();
    this.time = this.plan.end;
  }

  /**
   * Whether a track can lead at `t`: it has frames here, and its element is not standing still at the end of what its
   * recording has here. (A <video> stops a little short of the end of its data when no data follows, and a seek into
   * that last stretch never completes: so a track whose frames run out is given up once it has stood still a moment.)
   */
  private usable(track: string, t: number): boolean {
    const f = this.feeds.get(track);
    if (!f || !segmentAt(this.plan.segments[track], t)) return false;
    const ranges = f.ranges();
    if (!hasDataAt(ranges, t)) return false;
    if (track !== this.leader) return !runsOut(ranges, this.plan.segments[track], t, TAKE_OVER_S); // worth switching to
    const still = performance.now() - (this.moving.get(track)?.since ?? Infinity);
    // How short of its end an element stops grows with the rate (it keeps more in hand): 1.5 s at 1×, 2.4 s at 4×.
    return !(still >= STILL_MS && runsOut(ranges, this.plan.segments[track], t, Math.max(1.5, 0.6 * this.rate)));
  }

  /** Since when each element's time has not moved. */
  private readonly moving = new Map<string, { t: number; since: number }>();

  private watchProgress(): void {
    const now = performance.now();
    for (const [track, f] of this.feeds) {
      const last = this.moving.get(track);
      const t = f.video.currentTime;
      if (!last || Math.abs(t - last.t) > 1e-3 || f.video.paused) this.moving.set(track, { t, since: now });
    }
  }

  /** Whether frames for `t` are still on their way for some track (its segment there is not appended yet). */
  private coming(t: number): boolean {
    return this.plan.tracks.some((track) => {
      const s = segmentAt(this.plan.segments[track], t);
      return s !== null && this.feeds.get(track)?.status(s.seq) === 'pending';
    });
  }

  private tick(): void {
    this.watchProgress();
    const ahead = aheadFor(this.rate);
    const lead = this.leader ? this.feeds.get(this.leader) : undefined;
    // The clock: the leading element's own time while it plays on from where we stood, else where we stand.
    const own = lead?.video.currentTime ?? NaN;
    let t = this.playing && lead && !lead.video.paused && !lead.video.seeking && own >= this.time - 0.25 && own <= this.time + 2 ? own : this.time;

    if (this.playing) {
      if (t >= this.plan.end - 0.03) return this.end();
      const stretch = stretchAt(this.plan, t);
      if (!stretch || t >= stretch.to - 0.02) return this.skipFrom(t);
    }

    const leader = this.plan.tracks.find((track) => this.usable(track, t)) ?? null;
    if (leader !== this.leader) this.leader = leader;
    for (const f of this.feeds.values()) f.want(t, ahead);

    if (!this.playing) return this.showStill(t);
    if (!leader) return this.waitOrSkip(t);

    const leading = this.feeds.get(leader)!;
    if (Math.abs(leading.video.currentTime - t) > SEEK_DRIFT_S) {
      // It has frames here but its element stands elsewhere (it was following from another place): bring it here.
      if (!leading.video.seeking || seekingNowhere(leading)) leading.video.currentTime = t;
      this.time = t;
      return;
    }
    t = leading.video.seeking ? t : leading.video.currentTime;
    const hole = holeAhead(leading.ranges(), t, 0.06 * this.rate + 0.02);
    if (hole !== null) return this.moveTo(hole);
    const stalled = this.stalledFollowers(leader, t);
    if (stalled.size > 0) {
      // The others wait with the one whose picture stands still, as they wait with a leader that does.
      for (const [track, f] of this.feeds) if (!stalled.has(track) && !f.video.paused) f.video.pause();
      this.time = t;
      return;
    }
    this.run(leading.video, leaderRate(this.lags(leader, t), this.rate));
    this.setState(leader, 'playing');
    // While the leader stands still (a hiccup, or a seek landing), the others wait with it rather than run ahead.
    // Its own progress tells, not its readyState or `waiting` events, which also come while it plays on.
    const leaderWaits = leading.video.seeking || performance.now() - (this.moving.get(leader)?.since ?? 0) >= stillMs(this.rate);
    for (const [track, f] of this.feeds) if (track !== leader) this.follow(track, f, t, leaderWaits);
    this.time = t;
  }

  /** The followers playing, where the recording covers `t`, on frames their element has. */
  private followersOnFrames(leader: string, t: number): Array<[string, TrackFeed]> {
    return [...this.feeds].filter(([track, f]) =>
      track !== leader && !f.video.paused && !f.video.seeking && this.covering(track, t) && hasDataAt(f.ranges(), f.video.currentTime));
  }

  /**
   * Followers playing near the leader's moment `t`, on frames they have, whose time has stood still a moment (not yet
   * too long): they are decoding, not waiting for data (that is `follow`'s case), nor at the end of their recording.
   */
  private stalledFollowers(leader: string, t: number): Set<string> {
    const stalled = new Set<string>();
    const now = performance.now();
    for (const [track, f] of this.followersOnFrames(leader, t)) {
      const v = f.video;
      if (Math.abs(v.currentTime - t) > SEEK_DRIFT_S || runsOut(f.ranges(), this.plan.segments[track], v.currentTime, Math.max(1.5, 0.6 * this.rate))) continue;
      const still = now - (this.moving.get(track)?.since ?? now);
      if (still >= stillMs(this.rate) && still < FOLLOWER_WAIT_MS) stalled.add(track);
    }
    return stalled;
  }

  /** How far behind the leader's moment `t` each follower playing on its frames is (seconds; ahead is negative). */
  private lags(leader: string, t: number): number[] {
    return this.followersOnFrames(leader, t).map(([, f]) => t - f.video.currentTime);
  }

  private covering(track: string, t: number): boolean {
    return segmentAt(this.plan.segments[track], t) !== null;
  }

  /** Paused: what each track shows at `t`. */
  private showStill(t: number): void {
    for (const track of this.plan.tracks) {
      const f = this.feeds.get(track);
      const s = segmentAt(this.plan.segments[track], t);
      // A segment in the buffer without frames here is a still picture (a screen that did not change), not loading.
      const status = s && f ? f.status(s.seq) : null;
      // Standing where its segment has no frame, an element shows nothing: show the picture of that moment.
      // (A seek into a hole never completes: the element stays `seeking`, so that is no reason to leave it there.)
      if (f && s && status === 'appended') {
        const ranges = f.ranges();
        const near = hasDataAt(ranges, f.video.currentTime, 0) ? null : nearestFrame(ranges, t, s);
        if (near !== null) f.video.currentTime = near;
        else this.stillPicture(track, f);
      }
      this.setState(track, !f ? 'idle' : !s || status === 'broken' ? 'not-recorded' : hasDataAt(f.ranges(), t) || status === 'appended' ? 'playing' : 'loading');
    }
  }

  /** Since when each paused element has stood on its data without a picture. */
  private readonly blank = new Map<string, number>();

  /** A paused element on its data still without a picture a while after its seek is waiting for frames: hold it still. */
  private stillPicture(track: string, f: TrackFeed): void {
    const blank = f.video.readyState < 2 && !f.held && hasDataAt(f.ranges(), f.video.currentTime, 0);
    if (!blank) return void this.blank.delete(track);
    const since = this.blank.get(track) ?? performance.now();
    this.blank.set(track, since);
    if (performance.now() - since >= STILL_SEEK_MS) void f.holdStill();
  }

  /**
   * No track can play on from `t`. Frames still coming: wait for them. Otherwise every track's recording stops here
   * (a gap, or files shorter than stated): go on where the next frames are.
   */
  private waitOrSkip(t: number): void {
    const coming = this.coming(t);
    for (const track of this.plan.tracks) this.setState(track, this.covering(track, t) ? 'loading' : 'not-recorded');
    if (!coming) this.skipFrom(t);
  }

  /** Keeps a following track on the leader's moment `t`: waiting with it, steered by its rate, or moved there. */
  private follow(track: string, f: TrackFeed, t: number, leaderWaits: boolean): void {
    const v = f.video;
    if (leaderWaits) {
      if (!v.paused) v.pause();
      return;
    }
    if (!this.covering(track, t)) {
      if (!v.paused) v.pause();
      this.setState(track, 'not-recorded');
      return;
    }
    const ranges = f.ranges();
    if (!hasDataAt(ranges, t)) {
      // Its frames for this moment are still coming, or it shows a still picture (a screen that did not change).
      if (Math.abs(v.currentTime - t) > SEEK_DRIFT_S && (!v.seeking || seekingNowhere(f))) v.currentTime = t;
      this.setState(track, this.coming(t) && !runsOut(ranges, this.plan.segments[track], t) ? 'loading' : 'playing');
      return;
    }
    // Stuck behind in a hole of its own data: move it to the leader's moment.
    const stuck = !hasDataAt(ranges, v.currentTime, 0.02);
    const action = followerAction(v.currentTime - t, this.rate);
    if ((stuck || action.seek) && (!v.seeking || seekingNowhere(f))) {
      // It lands a moment later: aim where the leader will be, but not past this track's frames.
      const end = ranges.find(([a, b]) => a <= t + 0.001 && t < b)![1];
      v.currentTime = Math.min(t + 0.02 * this.rate, end - 0.05);
      this.run(v, this.rate);
    } else if (!action.seek) this.run(v, action.playbackRate);
    this.setState(track, 'playing');
  }

  /** Nothing more to play from `t` on in this stretch: go to where frames are next (saying so past a real gap), or end. */
  private skipFrom(t: number): void {
    const candidates = [
      ...[...this.feeds.values()].flatMap((f) => f.ranges().map(([a]) => a)),
      ...this.plan.tracks.flatMap((track) => this.plan.segments[track].map((s) => s.from)),
    ].filter((a) => a > t + 0.01);
    const next = Math.min(...candidates);
    if (!Number.isFinite(next)) return this.end();
    // Said as the recording's gap where the jump crosses one (the element stops a little before its data ends).
    const gap = this.plan.gaps.find((g) => g.to > t && g.to <= next + 0.01 && g.from >= t - 2);
    if (gap) this.skipped = gap;
    else if (next - t >= MIN_GAP_S) this.skipped = { from: t, to: next };
    this.moveTo(next);
  }
}
