import { Ctx, Field, FieldResolver, ID, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { sessionStreamId, type SessionEvent } from '../../domain/session/events.js';
import type { ApiContext } from '../context.js';
import { Session } from '../session/session.type.js';
import { TemplateAddons, TemplateStages } from './template.type.js';

@ObjectType({ description: 'The template version a session was created from, as it was then.' })
export class SessionTemplate {
  @Field(() => ID) id!: string;
  @Field(() => Int) version!: number;
  @Field(() => String, { nullable: true, description: 'The rules the test-taker accepts.' }) rules!: string | null;
  @Field(() => TemplateStages) stages!: TemplateStages;
  @Field(() => TemplateAddons) addons!: TemplateAddons;
  @Field(() => Int, { description: 'Days its recordings are kept.' }) retentionDays!: number;
}

@Resolver(() => Session)
export class SessionTemplateResolver {
  // From the session's first event rather than a read model: asked for one session at a time (the exam page, the
  // protocol), and that event holds the version exactly as it was when the session was made.
  @FieldResolver(() => SessionTemplate, { nullable: true, description: 'The template version the session was created from (null: none). Ask for it on one session, not on lists.' })
  async fromTemplate(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<SessionTemplate | null> {
    const [first] = await ctx.core.store.readStream<SessionEvent>(sessionStreamId(session.id), { fromVersion: 0, limit: 1 });
    const ref = first?.type === 'SessionCreated' ? first.data.fromTemplate : undefined;
    if (!ref) return null;
    return { id: ref.templateId, version: ref.version, rules: ref.rules, stages: { ...ref.stages }, addons: { ...ref.addons }, retentionDays: ref.retentionDays };
  }
}
