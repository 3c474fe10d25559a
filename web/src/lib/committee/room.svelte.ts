import type { Client } from '@urql/core';
import { auth } from '../auth.svelte.js';
import { follow, request } from '../client.js';
import type { CommitteeReviewData } from '../graphql.generated.js';
import {
  CAST_VOTE, CLOSE_REVIEW, COMMITTEE_CHANGED, COMMITTEE_REVIEW, JOIN_COMMITTEE, LEAVE_COMMITTEE, MOVE_POSITION, POST_COMMITTEE_MESSAGE, TAKE_PRESENTING,
} from './documents.js';

export type Review = NonNullable<CommitteeReviewData['committeeReview']>;
type Vote = 'uphold' | 'overturn';

/** How often the presenter's position goes out while it moves (the server relays at most ten a second). */
export const SEND_EVERY_MS = 150;
/** A follower moves to the presenter's position when further off than this (seconds): under the 0.5 s the room promises. */
export const FOLLOW_TOLERANCE_S = 0.25;

/**
 * One person's view of a committee's room: the review as the server last sent it, their own vote, and the protocol
 * position, which follows the presenter's (unless they stop following) or, when they present, is sent to the others.
 */
export class CommitteeRoom {
  review = $state<Review | null>(null);
  myVote = $state<{ vote: Vote; comment: string } | null>(null);
  /** The protocol position in minutes from the session's start (the player's and the timeline's unit). */
  position = $state(0);
  following = $state(true);
  error = $state<string | null>(null);
  private readonly stops: Array<() => void> = [];
  private sentAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSent = -1;

  constructor(private readonly client: Client, readonly sessionId: string) {}

  get me(): string | undefined {
    return auth.user?.username;
  }
  get presenting(): boolean {
    return !!this.review && this.review.presenter === this.me;
  }
  get isMember(): boolean {
    return !!this.review && !!this.me && this.review.members.includes(this.me);
  }
  get isChair(): boolean {
    return !!this.review && this.review.chair === this.me;
  }

  async start(): Promise<void> {
    // Read once the server holds the subscription: a change made before that is in the read, one after it comes.
    const changes = follow(COMMITTEE_CHANGED, { s: this.sessionId }, ({ committeeChanged: c }) => {
      if (c.review) {
        const was = this.presenting;
        this.review = c.review;
        if (was && !this.presenting) this.following = true; // someone took over: follow them
      }
      if (c.position && this.following && c.position.presenter !== this.me && Math.abs(c.position.time - this.position * 60) > FOLLOW_TOLERANCE_S) {
        this.position = c.position.time / 60;
      }
    }, (e) => (this.error = e.message));
    this.stops.push(changes.stop);
    await changes.subscribed;
    await this.run(async () => {
      const data = await request(this.client, COMMITTEE_REVIEW, { s: this.sessionId });
      this.review = data.committeeReview;
      this.myVote = data.myCommitteeVote as typeof this.myVote;
      if (this.review?.status === 'open') this.review = (await request(this.client, JOIN_COMMITTEE, { s: this.sessionId }, 'mutation')).joinCommitteeRoom;
    });
  }

  /** Called whenever the position changes here: the presenter sends it, at most every SEND_EVERY_MS, the last one always. */
  moved(playing: boolean): void {
    if (!this.presenting || Math.abs(this.position * 60 - this.lastSent) < 0.01) return;
    const send = () => {
      this.timer = null;
      this.sentAt = performance.now();
      this.lastSent = this.position * 60;
      void request(this.client, MOVE_POSITION, { s: this.sessionId, t: this.lastSent, m: Math.floor(this.position), p: playing }, 'mutation').catch((e: Error) => (this.error = e.message));
    };
    const wait = this.sentAt + SEND_EVERY_MS - performance.now();
    if (wait <= 0) send();
    else this.timer ??= setTimeout(send, wait);
  }

  takePresenting = () => this.run(async () => {
    this.review = (await request(this.client, TAKE_PRESENTING, { s: this.sessionId }, 'mutation')).takePresenting;
    this.following = false;
    this.lastSent = -1;
    this.moved(false);
  });

  post = (text: string) => this.run(async () => {
    this.review = (await request(this.client, POST_COMMITTEE_MESSAGE, { s: this.sessionId, t: text }, 'mutation')).postCommitteeMessage;
  });

  vote = (vote: Vote, comment: string) => this.run(async () => {
    this.review = (await request(this.client, CAST_VOTE, { s: this.sessionId, v: vote, c: comment }, 'mutation')).castCommitteeVote;
    this.myVote = { vote, comment: comment.trim() };
  });

  close = () => this.run(async () => {
    this.review = (await request(this.client, CLOSE_REVIEW, { s: this.sessionId }, 'mutation')).closeCommitteeReview;
  });

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    if (this.timer) clearTimeout(this.timer);
    if (this.review?.status === 'open') await request(this.client, LEAVE_COMMITTEE, { s: this.sessionId }, 'mutation').catch(() => {});
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.error = null;
    try {
      await action();
    } catch (e) {
      this.error = (e as Error).message;
    }
  }
}
