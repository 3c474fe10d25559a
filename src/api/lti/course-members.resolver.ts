import { Arg, Ctx, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { courseMembers } from '../../app/lti/services/nrps.js';
import { serviceTokens } from '../../app/lti/services/token.js';
import type { ApiContext } from '../context.js';
import { readable } from '../session/readable.js';
import { Session } from '../session/session.type.js';
import { getLtiSessionLink } from '../../projections/lti/session-links.js';

@ObjectType({ description: 'A member of the LMS course a session was launched from (LTI Names and Role Provisioning).' })
export class CourseMember {
  @Field(() => String, { description: 'The platform\'s id of the person (LTI `sub`).' }) userId!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => [String], { description: 'LIS role URIs, as the platform sent them.' }) roles!: string[];
  @Field(() => String, { description: 'Active, Inactive or Deleted.' }) status!: string;
}

@Resolver()
export class CourseMembersResolver {
  @Query(() => [CourseMember], { description: 'The members of the LMS course the session came from, asked of the platform now (proctors of the session, administrators).' })
  async ltiCourseMembers(@Arg('sessionId', () => ID) sessionId: string, @Ctx() ctx: ApiContext): Promise<CourseMember[]> {
    await readable(ctx, sessionId, 'session.watch');
    return (await courseMembers(ctx.core, serviceTokens(ctx.core), sessionId)).map((m) => ({ ...m, roles: [...m.roles] }));
  }
}

@Resolver(() => Session)
export class SessionLmsResolver {
  @FieldResolver(() => Boolean, { description: 'Whether the session was launched from an LMS (LTI), so its course members can be asked for.' })
  async fromLms(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<boolean> {
    return (await getLtiSessionLink(ctx.core.db, session.id)) !== null;
  }
}
