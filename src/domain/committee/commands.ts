import type { CommandMetadata } from '../core/decider.js';
import type { AccountRole } from '../account/account.js';
import type { Conclusion } from '../session/events.js';
import type { Vote } from './events.js';

/** A person proposed for the committee, with the role their account holds (the app looks it up). */
export interface Nominee {
  readonly username: string;
  readonly role: AccountRole;
}

/** The session under review as its stream says (the app reads it): only a concluded session goes to committee. */
export interface ReviewedSession {
  readonly sessionId: string;
  readonly status: string;
  readonly student: string;
  readonly proctor: string | null;
  readonly conclusion: Conclusion | null;
}

/** What can be asked of a committee review. Each carries `metadata` (now, actor, command id): the decider reads no clock. */
export type CommitteeCommand =
  | {
      readonly type: 'AppointCommittee';
      readonly data: { readonly session: ReviewedSession; readonly members: readonly Nominee[]; readonly chair: string };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'InviteWitness'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'InviteToHearing'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'JoinCommitteeRoom'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'LeaveCommitteeRoom'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'TakePresenting'; readonly data: Record<string, never>; readonly metadata: CommandMetadata }
  | { readonly type: 'PostCommitteeMessage'; readonly data: { readonly messageId: string; readonly text: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'CastCommitteeVote'; readonly data: { readonly vote: Vote; readonly comment: string }; readonly metadata: CommandMetadata }
  | { readonly type: 'CloseCommitteeReview'; readonly data: Record<string, never>; readonly metadata: CommandMetadata };

export type CommitteeCommandOf<T extends CommitteeCommand['type']> = Extract<CommitteeCommand, { readonly type: T }>;
