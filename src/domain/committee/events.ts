import type { Conclusion } from '../session/events.js';

/** A member's verdict on the proctor's conclusion. */
export type Vote = 'uphold' | 'overturn';
/** What the committee decided about the proctor's conclusion. */
export type Decision = 'upheld' | 'overturned';
/** Who someone is in the conference room. */
export type RoomRole = 'member' | 'witness' | 'test-taker' | 'admin';

/** One member's vote as the decision records it. */
export interface CastVote {
  readonly member: string;
  readonly vote: Vote;
  readonly comment: string;
}

/**
 * The examination committee's review of one session (stream `committee-<sessionId>`): who sits on it, who came into
 * the room, who presented, what was said in its chat, how each member voted and what the chair closed it with.
 */
export type CommitteeEvent =
  | {
      /** Members and chair (again, replacing the previous ones, while nobody has voted). */
      readonly type: 'CommitteeAppointed';
      readonly data: {
        readonly sessionId: string;
        readonly student: string;
        readonly proctor: string | null;
        /** The conclusion under review: the one in force when the committee was appointed. */
        readonly proctorConclusion: Conclusion;
        readonly members: readonly string[];
        readonly chair: string;
        readonly by: string;
        readonly at: string;
      };
    }
  | { readonly type: 'WitnessInvited'; readonly data: { readonly witness: string; readonly by: string; readonly at: string } }
  | { readonly type: 'HearingInvited'; readonly data: { readonly student: string; readonly by: string; readonly at: string } }
  | { readonly type: 'CommitteeRoomJoined'; readonly data: { readonly participant: string; readonly as: RoomRole; readonly at: string } }
  | { readonly type: 'CommitteeRoomLeft'; readonly data: { readonly participant: string; readonly at: string } }
  | { readonly type: 'PresenterChanged'; readonly data: { readonly presenter: string; readonly previous: string | null; readonly at: string } }
  | { readonly type: 'CommitteeMessagePosted'; readonly data: { readonly messageId: string; readonly from: string; readonly text: string; readonly at: string } }
  | { readonly type: 'CommitteeVoteCast'; readonly data: { readonly member: string; readonly vote: Vote; readonly comment: string; readonly at: string } }
  | {
      readonly type: 'CommitteeReviewClosed';
      readonly data: {
        readonly decision: Decision;
        /** The session's conclusion from now on. */
        readonly conclusion: Conclusion;
        readonly votes: readonly CastVote[];
        /** The votes were even and the chair's vote decided. */
        readonly tieBrokenByChair: boolean;
        readonly by: string;
        readonly at: string;
      };
    };

export const COMMITTEE_EVENT_TYPES: readonly CommitteeEvent['type'][] = [
  'CommitteeAppointed', 'WitnessInvited', 'HearingInvited', 'CommitteeRoomJoined', 'CommitteeRoomLeft', 'PresenterChanged',
  'CommitteeMessagePosted', 'CommitteeVoteCast', 'CommitteeReviewClosed',
];

const COMMITTEE_STREAM = 'committee-';
export const committeeStreamId = (sessionId: string) => `${COMMITTEE_STREAM}${sessionId}`;
export const isCommitteeStream = (streamId: string) => streamId.startsWith(COMMITTEE_STREAM);
/** The session a committee event's stream reviews: the inverse of `committeeStreamId`. */
export const committeeSessionIdOf = (event: { readonly streamId: string }) => event.streamId.slice(COMMITTEE_STREAM.length);
