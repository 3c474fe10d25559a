import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { MetricValue } from '../session/session.type.js';
import { DateTime } from '../scalars.js';

@ObjectType({ description: 'The steps before the exam a template asks for.' })
export class TemplateStages {
  @Field(() => Boolean, { description: 'Browser and devices checked before check-in.' }) compatibilityCheck!: boolean;
  @Field(() => Boolean) facePhoto!: boolean;
  @Field(() => Boolean, { description: 'A photo of an identity document.' }) idPhoto!: boolean;
  @Field(() => Boolean, { description: 'The proctor lets the test-taker start.' }) proctorApproval!: boolean;
}

@ObjectType({ description: 'What the exam page adds to the camera.' })
export class TemplateAddons {
  @Field(() => Boolean, { description: 'Screen sharing.' }) screen!: boolean;
  @Field(() => Boolean, { description: 'A phone as the second camera.' }) secondCamera!: boolean;
  @Field(() => Boolean) chat!: boolean;
  @Field(() => Boolean, { description: 'Video calls with the proctor.' }) calls!: boolean;
  @Field(() => Boolean, { description: 'Copying, printing and leaving the test content blocked.' }) contentProtection!: boolean;
}

@ObjectType({ description: 'An exam template at its current version: what the sessions made from it share.' })
export class ExamTemplate {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: 'Grows by one with every change; a session keeps the version it was made from.' }) version!: number;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'The metric codes that count.' }) metrics!: string[];
  @Field(() => [MetricValue], { description: 'Weights that are not 1.' }) weights!: MetricValue[];
  @Field(() => Float, { description: 'Score below which the automatic conclusion is negative.' }) threshold!: number;
  @Field(() => Boolean) autoConclude!: boolean;
  @Field(() => String, { nullable: true, description: 'The rules the test-taker accepts before the exam.' }) rules!: string | null;
  @Field(() => TemplateStages) stages!: TemplateStages;
  @Field(() => TemplateAddons) addons!: TemplateAddons;
  @Field(() => Int, { description: 'Check-in opens this many minutes before the start.' }) checkInBefore!: number;
  @Field(() => Int, { nullable: true, description: 'Check-in closes this many minutes after the start; null: the duration.' }) checkInAfter!: number | null;
  @Field(() => Int, { description: 'Default duration in minutes.' }) duration!: number;
  @Field(() => Boolean) scoreVisibleToStudent!: boolean;
  @Field(() => Int, { description: 'Days the recordings of its sessions are kept.' }) retentionDays!: number;
  @Field(() => Boolean) archived!: boolean;
  @Field(() => String) createdBy!: string;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => String) updatedBy!: string;
  @Field(() => DateTime) updatedAt!: Date;
}
