import { Ctx, Field, FieldResolver, ID, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { sessionStreamId, type SessionEvent } from '../../domain/session/events.js';
import { examSteps } from '../../domain/session/steps.js';
import { protocolEntries } from '../../projections/protocol/queries.js';
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

@ObjectType({ description: 'What the exam page asks before the start and offers during it, as the server holds the session to it.' })
export class ExamSteps {
  @Field(() => TemplateStages) stages!: TemplateStages;
  @Field(() => TemplateAddons, { description: 'The second camera is the session\'s own setting (it may override the template\'s).' }) addons!: TemplateAddons;
  @Field(() => Boolean, { description: 'The start waits for the photos the stages ask for (false for sessions made without a template).' }) photosDemanded!: boolean;
}

type Created = Extract<SessionEvent, { type: 'SessionCreated' }>['data'];

// From the session's first event rather than a read model: asked for one session at a time (the exam page, the
// protocol), and that event holds the version exactly as it was when the session was made.
async function creation(ctx: ApiContext, sessionId: string): Promise<Created | null> {
  const [first] = await ctx.core.store.readStream<SessionEvent>(sessionStreamId(sessionId), { fromVersion: 0, limit: 1 });
  return first?.type === 'SessionCreated' ? first.data : null;
}

@Resolver(() => Session)
export class SessionTemplateResolver {
  @FieldResolver(() => SessionTemplate, { nullable: true, description: 'The template version the session was created from (null: none). Ask for it on one session, not on lists.' })
  async fromTemplate(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<SessionTemplate | null> {
    const ref = (await creation(ctx, session.id))?.fromTemplate;
    if (!ref) return null;
    return { id: ref.templateId, version: ref.version, rules: ref.rules, stages: { ...ref.stages }, addons: { ...ref.addons }, retentionDays: ref.retentionDays };
  }

  @FieldResolver(() => ExamSteps, { nullable: true, description: 'The stages and addons of the session\'s exam (its template\'s, or those of a session without one). Ask for it on one session.' })
  async examSteps(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<ExamSteps | null> {
    const created = await creation(ctx, session.id);
    return created ? examSteps(created.fromTemplate, created.secondCamera) : null;
  }

  @FieldResolver(() => [String], {
    description: 'The identity photos (`face`, `document`) the server holds for this session, less those whose check asked for a retake: a page reloaded after them goes on from there. Ask for it on one session.',
  })
  async identityPhotosTaken(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<string[]> {
    const entries = await protocolEntries(ctx.core.db, session.id, ['identity', 'face']);
    const latest = new Map<string, string>();
    const refused = new Set<string>();
    for (const { body } of entries) {
      if (body.type === 'IdentityPhotoSubmitted') latest.set(String(body.kind), String(body.photoId));
      else if (body.type === 'FaceChecked' && body.problem) refused.add(String(body.photoId)); // the page asks for a retake
    }
    return [...latest].filter(([, photoId]) => !refused.has(photoId)).map(([kind]) => kind);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The proctor who confirmed the test-taker and let them start (`verifyIdentity`), once one has. Ask for it on one session.' })
  async approvedBy(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<string | null> {
    const entries = await protocolEntries(ctx.core.db, session.id, ['identity']);
    const approval = entries.find((e) => e.body.type === 'IdentityVerified' && e.body.method === 'proctor');
    return approval ? String(approval.body.by) : null;
  }
}
