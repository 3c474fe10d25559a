import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTime } from '../scalars.js';

export enum CommitteeVoteChoice {
  uphold = 'uphold',
  overturn = 'overturn',
}
registerEnumType(CommitteeVoteChoice, { name: 'CommitteeVoteChoice', description: 'A member\'s verdict on the proctor\'s conclusion.' });

@ObjectType({ description: 'Someone in the committee\'s conference room.' })
export class RoomParticipant {
  @Field(() => String) username!: string;
  @Field(() => String, { description: 'member, witness, test-taker or admin.' }) as!: string;
}

@ObjectType({ description: 'A member\'s vote. Until the review is closed only that they voted shows (vote and comment null): nobody sways the others by voting first.' })
export class CommitteeVote {
  @Field(() => String) member!: string;
  @Field(() => CommitteeVoteChoice, { nullable: true }) vote!: CommitteeVoteChoice | null;
  @Field(() => String, { nullable: true }) comment!: string | null;
  @Field(() => DateTime) at!: Date;
}

@ObjectType({ description: 'A message in the room\'s chat (kept in the committee\'s stream).' })
export class CommitteeMessage {
  @Field(() => ID) id!: string;
  @Field(() => String) from!: string;
  @Field(() => String) text!: string;
  @Field(() => DateTime) at!: Date;
}

@ObjectType({
  description: 'An examination committee\'s review of one session. The test-taker invited to a hearing sees who is in the room and who presents, '
    + 'never the proctor\'s conclusion, the votes, the chat or the decision (they learn the outcome as the session\'s conclusion).',
})
export class CommitteeReview {
  @Field(() => ID) sessionId!: string;
  @Field(() => String, { description: 'open or closed.' }) status!: string;
  @Field(() => [String]) members!: string[];
  @Field(() => String) chair!: string;
  @Field(() => String, { nullable: true, description: 'The session\'s proctor, once invited as a witness.' }) witness!: string | null;
  @Field(() => Boolean, { description: 'The test-taker is invited to a hearing.' }) hearing!: boolean;
  @Field(() => [RoomParticipant]) inRoom!: RoomParticipant[];
  @Field(() => String, { nullable: true }) presenter!: string | null;
  @Field(() => String, { nullable: true, description: 'The conclusion under review (null for the test-taker).' }) proctorConclusion!: string | null;
  @Field(() => [CommitteeVote]) votes!: CommitteeVote[];
  @Field(() => [CommitteeMessage]) messages!: CommitteeMessage[];
  @Field(() => String, { nullable: true, description: 'upheld or overturned, once closed.' }) decision!: string | null;
  @Field(() => String, { nullable: true, description: 'The session\'s final conclusion, once closed.' }) conclusion!: string | null;
  @Field(() => Boolean, { description: 'The votes were even and the chair\'s vote decided.' }) tieBrokenByChair!: boolean;
  @Field(() => DateTime, { nullable: true }) closedAt!: Date | null;
}

@ObjectType({ description: 'Where the presenter is in the protocol: relayed to the room as it moves, never stored.' })
export class PresenterPosition {
  @Field(() => String) presenter!: string;
  @Field(() => Float, { description: 'The recording\'s playhead, in seconds from the start of the session.' }) time!: number;
  @Field(() => Int, { nullable: true, description: 'The minute selected on the timeline.' }) minute!: number | null;
  @Field(() => Boolean) playing!: boolean;
  @Field(() => DateTime) at!: Date;
}

@ObjectType({ description: 'One change in a committee\'s room: the review after an event, or the presenter\'s new position.' })
export class CommitteeChange {
  @Field(() => CommitteeReview, { nullable: true }) review!: CommitteeReview | null;
  @Field(() => PresenterPosition, { nullable: true }) position!: PresenterPosition | null;
}

@ObjectType({ description: 'A review you have a place in.' })
export class CommitteeAssignment {
  @Field(() => ID) sessionId!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String) status!: string;
  @Field(() => String) chair!: string;
  @Field(() => DateTime) appointedAt!: Date;
}
