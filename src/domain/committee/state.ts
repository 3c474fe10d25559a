import { assertNever } from '../core/errors.js';
import type { Conclusion } from '../session/events.js';
import type { CommitteeEvent, Decision, RoomRole, Vote } from './events.js';

interface ReviewFacts {
  readonly sessionId: string;
  readonly student: string;
  readonly proctor: string | null;
  readonly proctorConclusion: Conclusion;
  readonly members: readonly string[];
  readonly chair: string;
  readonly witness: string | null;
  readonly hearing: boolean;
  /** Who is in the room now, and as whom. */
  readonly inRoom: Readonly<Record<string, RoomRole>>;
  readonly presenter: string | null;
  readonly votes: Readonly<Record<string, { readonly vote: Vote; readonly comment: string }>>;
  readonly messageIds: readonly string[];
}

/** A review is `none` until appointed, `open` while it deliberates, `closed` once the chair closed it (for good). */
export type CommitteeReview =
  | { readonly status: 'none' }
  | (ReviewFacts & { readonly status: 'open' })
  | (ReviewFacts & { readonly status: 'closed'; readonly decision: Decision; readonly conclusion: Conclusion });

export const initialReview = (): CommitteeReview => ({ status: 'none' });

export function evolveReview(state: CommitteeReview, event: CommitteeEvent): CommitteeReview {
  if (event.type === 'CommitteeAppointed') {
    const d = event.data;
    const kept = state.status === 'none' ? { witness: null, hearing: false, inRoom: {}, presenter: null, messageIds: [] } : state;
    return {
      ...kept, status: 'open', sessionId: d.sessionId, student: d.student, proctor: d.proctor, proctorConclusion: d.proctorConclusion,
      members: d.members, chair: d.chair, votes: {},
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'WitnessInvited':
      return { ...state, witness: event.data.witness };
    case 'HearingInvited':
      return { ...state, hearing: true };
    case 'CommitteeRoomJoined':
      return { ...state, inRoom: { ...state.inRoom, [event.data.participant]: event.data.as } };
    case 'CommitteeRoomLeft': {
      const { [event.data.participant]: _, ...inRoom } = state.inRoom;
      return { ...state, inRoom, presenter: state.presenter === event.data.participant ? null : state.presenter };
    }
    case 'PresenterChanged':
      return { ...state, presenter: event.data.presenter };
    case 'CommitteeMessagePosted':
      return { ...state, messageIds: [...state.messageIds, event.data.messageId] };
    case 'CommitteeVoteCast':
      return { ...state, votes: { ...state.votes, [event.data.member]: { vote: event.data.vote, comment: event.data.comment } } };
    case 'CommitteeReviewClosed':
      return { ...state, status: 'closed', decision: event.data.decision, conclusion: event.data.conclusion, presenter: null };
    default:
      return assertNever(event, 'committee event');
  }
}
