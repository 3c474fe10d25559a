import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { DateTime } from '../scalars.js';

@InputType({ description: 'A metric code with a value.' })
export class MetricValueInput {
  @Field(() => String) code!: string;
  @Field(() => Float) value!: number;
}

@InputType({ description: 'A new session. The domain checks every value and says which one is wrong.' })
export class CreateSessionInput {
  @Field(() => ID, { description: 'Your identifier for the session (letters, digits, _ . : -).' }) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'The test-taker\'s login.' }) student!: string;
  @Field(() => String, { nullable: true }) studentName?: string | null;
  @Field(() => String, { nullable: true, description: 'The proctor\'s login.' }) proctor?: string | null;
  @Field(() => Int, { nullable: true, description: 'Minutes allowed; may be left out when a template gives it.' }) duration?: number | null;
  @Field(() => DateTime, { nullable: true, description: 'The planned start: not in the past (up to 5 minutes back is accepted, for clocks that differ).' }) scheduledAt?: Date | null;
  @Field(() => [String], { nullable: true, description: 'Metric codes used; all of them when omitted.' }) metrics?: string[] | null;
  @Field(() => [MetricValueInput], { nullable: true, description: 'Weights per metric (default 1).' }) weights?: MetricValueInput[] | null;
  @Field(() => Float, { nullable: true, description: 'Score below which the automatic conclusion is negative (default 50).' }) threshold?: number | null;
  @Field(() => Boolean, { nullable: true }) autoConclude?: boolean | null;
  @Field(() => String, { nullable: true, description: 'The LMS test content (http or https).' }) url?: string | null;
  @Field(() => String, { nullable: true, description: 'The exam template (its id or name): its current version gives every setting left out here, and the session keeps that version.' }) template?: string | null;
  @Field(() => [String], { nullable: true }) tags?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Ask for a second (mobile) camera.' }) secondCamera?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Let the test-taker book the time (and with it the proctor) from the proctors\' open slots.' }) selfScheduling?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Let the test-taker see the credibility score (by default they see the conclusion only).' }) scoreVisibleToStudent?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'Check-in opens this many minutes before the scheduled or booked start (0–1440, default 15).' }) checkInBefore?: number | null;
  @Field(() => Int, { nullable: true, description: 'Check-in closes this many minutes after the start (0–1440, default: the duration).' }) checkInAfter?: number | null;
}
