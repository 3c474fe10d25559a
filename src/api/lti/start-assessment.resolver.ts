import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { issueStartCode, sessionLms } from '../../app/lti/start-assessment.js';
import type { ApiContext } from '../context.js';
import { DateTime } from '../scalars.js';
import { readable } from '../session/readable.js';
import { Session } from '../session/session.type.js';

@ObjectType({ description: 'The LMS a session came from by LTI 1.3, as its test-taker\'s page needs it.' })
export class SessionLms {
  @Field(() => Boolean, { description: 'Launched by LtiStartProctoring: once the session is in progress, the LMS assessment opens in the exam page (`startLmsAssessment`).' })
  proctored!: boolean;
  @Field(() => String, { nullable: true, description: 'Where the test-taker goes back to the course (the launch\'s return URL), when the LMS gave one.' })
  returnUrl!: string | null;
  @Field(() => Boolean, { description: 'The LMS has said the attempt is over (LtiEndAssessment).' })
  assessmentEnded!: boolean;
}

@ObjectType({ description: 'A single-use page that sends LtiStartAssessment to the LMS and so opens the assessment.' })
export class LmsAssessmentStart {
  @Field(() => String, { description: 'A path on this server: load it in the test frame or a new tab, once, before `expiresAt`.' })
  url!: string;
  @Field(() => DateTime) expiresAt!: Date;
}

@Resolver(() => Session)
export class StartAssessmentResolver {
  @FieldResolver(() => SessionLms, { nullable: true, description: 'The LMS the session came from by LTI 1.3; null for any other session.' })
  async lms(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<SessionLms | null> {
    return sessionLms(ctx.core, session.id);
  }

  @Mutation(() => LmsAssessmentStart, { description: 'The test-taker of an LTI-proctored session in progress opens the LMS assessment: a start page, valid once and for a minute.' })
  async startLmsAssessment(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext): Promise<LmsAssessmentStart> {
    await readable(ctx, sessionId, 'session.start');
    return issueStartCode(ctx.core, ctx.config.jwtSecret, ctx.actor!, sessionId);
  }
}
