import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTime, JSON } from '../scalars.js';

export enum SessionStatus {
  scheduled = 'scheduled',
  waiting = 'waiting',
  in_progress = 'in_progress',
  paused = 'paused',
  finished = 'finished',
  concluded = 'concluded',
  cancelled = 'cancelled',
}
registerEnumType(SessionStatus, { name: 'SessionStatus', description: 'Where a session is in its life; the proctor\'s list groups by it.' });

export enum Conclusion {
  positive = 'positive',
  negative = 'negative',
}
registerEnumType(Conclusion, { name: 'Conclusion', description: 'The proctor\'s verdict on a session.' });

@ObjectType({ description: 'One metric\'s value: share of time (0–100) in violation.' })
export class MetricValue {
  @Field(() => String, { description: 'Metric code, b1 … s2.' }) code!: string;
  @Field(() => Float) value!: number;
}

@ObjectType({ description: 'A proctoring session as the monitor read model holds it.' })
export class Session {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'The test-taker\'s login.' }) student!: string;
  @Field(() => String, { nullable: true }) studentName!: string | null;
  @Field(() => String, { nullable: true, description: 'The assigned proctor\'s login.' }) proctor!: string | null;
  @Field(() => SessionStatus) status!: SessionStatus;
  @Field(() => DateTime, { description: 'Actual start, else planned start, else creation.' }) date!: Date;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime, { nullable: true }) scheduledAt!: Date | null;
  @Field(() => DateTime, { nullable: true }) startedAt!: Date | null;
  @Field(() => DateTime, { nullable: true }) stoppedAt!: Date | null;
  @Field(() => Int, { description: 'Planned length in minutes.' }) duration!: number;
  // Resolved by SessionResolver.score and .averages, which hide them from the test-taker unless the session shows them.
  score!: number | null;
  @Field(() => Conclusion, { nullable: true }) conclusion!: Conclusion | null;
  // Resolved by SessionResolver.comment, which hides it from the test-taker.
  @Field(() => String, { nullable: true, description: 'The proctor\'s comment on the conclusion, for the record (null for the test-taker, who never sees it).' }) comment!: string | null;
  @Field(() => String, { nullable: true, description: 'What the proctor tells the test-taker with the conclusion, if anything.' }) messageToStudent!: string | null;
  @Field(() => String, { nullable: true }) template!: string | null;
  @Field(() => [String]) tags!: string[];
  @Field(() => [String], { description: 'The metric codes this session watches.' }) metrics!: string[];
  @Field(() => String, { nullable: true, description: 'The LMS test content shown to the test-taker.' }) url!: string | null;
  @Field(() => String) createdBy!: string;
  @Field(() => Boolean, { description: 'An incident message covers the test content.' }) blocked!: boolean;
  @Field(() => Boolean, { description: 'The exam asks for a proctor\'s approval before the start (its template\'s stage), and none came yet.' }) awaitingApproval!: boolean;
  @Field(() => String, { nullable: true }) finishedBy!: string | null;
  @Field(() => Boolean, { description: 'The session asks for a second (mobile) camera.' }) secondCamera!: boolean;
  @Field(() => Boolean, { description: 'The test-taker books the time, and with it the proctor, from the proctors\' open slots (`availableSlots`, `bookSlot`).' }) selfScheduling!: boolean;
  @Field(() => Boolean, { description: 'The test-taker has booked a time: only an administrator changes it, its proctor or cancels it.' }) booked!: boolean;
  @Field(() => DateTime, { nullable: true, description: 'When the test-taker may check in from; null when the session has no start (check in at any time).' }) checkInOpensAt!: Date | null;
  @Field(() => DateTime, { nullable: true, description: 'When check-in closes; null when the session has no start.' }) checkInClosesAt!: Date | null;
  averages!: MetricValue[];
  @Field(() => Boolean, { description: 'The test-taker may see the score (set when the session is created).' }) scoreVisibleToStudent!: boolean;
  @Field(() => [String], { description: 'Metrics in violation in the last recorded minute (the tile icons).' }) recentCodes!: string[];
  @Field(() => Int, { description: 'Version of the session stream this row reflects.' }) version!: number;
}

@ObjectType()
export class SessionEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Session) node!: Session;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType()
export class SessionConnection {
  @Field(() => [SessionEdge]) edges!: SessionEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'An uploaded file: download it from /files/{id} with the same Bearer token.' })
export class FileInfo {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'attachment, face or document.' }) kind!: string;
  @Field(() => String) name!: string;
  @Field(() => String) contentType!: string;
  @Field(() => Int) size!: number;
  @Field(() => String) sha256!: string;
}

@ObjectType({ description: 'One stored recording segment: play it from /recordings/{session}/{track}/{seq} with the Bearer token.' })
export class RecordingSegment {
  @Field(() => String, { description: 'camera, screen or mobile.' }) track!: string;
  @Field(() => Int) seq!: number;
  @Field(() => DateTime) start!: Date;
  @Field(() => Int) durationMs!: number;
  @Field(() => Int) size!: number;
  @Field(() => String) sha256!: string;
}

@ObjectType({ description: 'A chat message.' })
export class Message {
  @Field(() => ID) id!: string;
  @Field(() => String) from!: string;
  @Field(() => String) role!: string;
  @Field(() => String) text!: string;
  @Field(() => Boolean, { description: 'Sent in incident mode (shown in red; blocks the test content).' }) incident!: boolean;
  @Field(() => String, { nullable: true }) attachmentId!: string | null;
  @Field(() => FileInfo, { nullable: true }) attachment?: FileInfo | null;
  @Field(() => DateTime) at!: Date;
}

@ObjectType({ description: 'A proctor\'s note.' })
export class Note {
  @Field(() => ID) id!: string;
  @Field(() => String) author!: string;
  @Field(() => String) text!: string;
  @Field(() => DateTime) at!: Date;
}

@ObjectType({ description: 'A face photo checked against the test-taker\'s profile.' })
export class FaceCheck {
  @Field(() => String) photoId!: string;
  @Field(() => String, { description: 'green: matches; yellow: matches, but similar profiles exist; red: does not match.' }) result!: string;
  @Field(() => Float, { nullable: true }) distance!: number | null;
  @Field(() => [String]) similarProfiles!: string[];
  @Field(() => String, {
    nullable: true,
    description: 'Why: match or new_reference (green/yellow); mismatch, no_face, several_faces, unreadable or no_reference (red). Null for checks recorded before reasons were.',
  })
  reason!: string | null;
  @Field(() => Int, { nullable: true, description: 'How many faces the photo showed; null when it could not be read or was checked before this was recorded.' })
  faceCount!: number | null;
  @Field(() => DateTime) at!: Date;
}

@ObjectType({ description: 'How one metric weighed on the score.' })
export class ScoreTerm {
  @Field(() => String) code!: string;
  @Field(() => Float, { description: 'Share of session time in violation, 0–100.' }) share!: number;
  @Field(() => Float) weight!: number;
  @Field(() => Float, { description: 'Points taken off the score: share × weight.' }) contribution!: number;
}

@ObjectType({ description: 'How the credibility score was reached.' })
export class ScoreBreakdown {
  @Field(() => Float) score!: number;
  @Field(() => Int, { description: 'Session minutes the shares are of.' }) minutes!: number;
  @Field(() => [ScoreTerm]) terms!: ScoreTerm[];
}

@ObjectType({ description: 'One minute of metric values (the protocol histogram).' })
export class Minute {
  @Field(() => Int) minute!: number;
  @Field(() => [MetricValue]) values!: MetricValue[];
  @Field(() => Float) total!: number;
}

@ObjectType({ description: 'One entry of the session\'s timeline.' })
export class TimelineEntry {
  @Field(() => Int) seq!: number;
  @Field(() => String, { description: 'message, note, face, identity, violation, state, presence, block or score.' }) kind!: string;
  @Field(() => String) type!: string;
  @Field(() => DateTime) at!: Date;
  @Field(() => String, { nullable: true }) actor!: string | null;
  @Field(() => JSON) data!: unknown;
}

@ObjectType({ description: 'An event exactly as stored, for auditors.' })
export class StoredEvent {
  @Field(() => String) id!: string;
  @Field(() => Float, { description: 'Global sequence number.' }) position!: number;
  @Field(() => Int) streamVersion!: number;
  @Field(() => String) type!: string;
  @Field(() => JSON, { description: 'The data, personal fields opened (or erased) as the read models see them.' }) data!: unknown;
  @Field(() => JSON, { nullable: true, description: 'The data exactly as stored and hashed, when it holds sealed personal fields (null: `data` is as stored).' })
  storedData?: unknown;
  @Field(() => JSON) metadata!: unknown;
  @Field(() => DateTime) recordedAt!: Date;
  @Field(() => String, { nullable: true }) prevHash!: string | null;
  @Field(() => String) hash!: string;
}

@ObjectType({ description: 'Result of recomputing a stream\'s hash chain.' })
export class StreamVerification {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => Int) events!: number;
  @Field(() => Int, { nullable: true, description: 'Version of the first event that does not verify.' }) brokenAt!: number | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Which check failed: version, link, hash (the chain), seal (the server\'s key over each hash), truncated, anchor or signature (the signed checkpoint of the stream\'s head).',
  })
  check!: string | null;
  @Field(() => Int, { description: 'Events whose seal verified.' }) sealed!: number;
  @Field(() => Int, { nullable: true, description: 'The version a signed checkpoint vouches for (null: not checkpointed yet).' }) anchoredVersion!: number | null;
  @Field(() => DateTime, { nullable: true }) anchoredAt!: Date | null;
}

@ObjectType({ description: 'A change to a session in the proctor\'s list.' })
export class SessionChange {
  @Field(() => String, { description: 'The event type that changed it.' }) event!: string;
  @Field(() => Session) session!: Session;
  @Field(() => Boolean, { description: 'Whether the session matches the subscription\'s query now; false means drop it from the list.' }) matches!: boolean;
}

@ObjectType({ description: 'Something that just happened in one session.' })
export class SessionActivity {
  @Field(() => ID) sessionId!: string;
  @Field(() => Int) seq!: number;
  @Field(() => String) type!: string;
  @Field(() => DateTime) at!: Date;
  @Field(() => String, { nullable: true }) actor!: string | null;
  @Field(() => JSON) data!: unknown;
}
