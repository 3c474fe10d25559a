import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTime } from '../scalars.js';

@ObjectType({ description: 'A resource link of an LMS course configured as a proctored exam; its sessions are made from these settings at launch.' })
export class LtiResourceLink {
  @Field(() => ID) platformId!: string;
  @Field(() => String, { description: 'The platform\'s id of the link.' }) resourceLinkId!: string;
  @Field(() => String, { nullable: true, description: 'The course (LTI context) it is in.' }) contextId!: string | null;
  @Field(() => String) name!: string;
  @Field(() => Int) durationMinutes!: number;
  @Field(() => String, { nullable: true, description: 'Who proctors its sessions; null: an administrator assigns one.' }) proctor!: string | null;
  @Field(() => Boolean) secondCamera!: boolean;
  @Field(() => String, { nullable: true, description: 'The template id its sessions are made from; null: none.' }) template!: string | null;
  @Field(() => String, { description: 'Who set the settings last.' }) configuredBy!: string;
  @Field(() => DateTime) configuredAt!: Date;
}
