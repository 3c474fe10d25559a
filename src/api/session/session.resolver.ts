import { Arg, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { DataOf } from '../../app/core/core.js';
import type { Actor } from '../../domain/core/decider.js';
import { NotFoundError, ValidationError } from '../../domain/core/errors.js';
import type { SessionCommand } from '../../domain/session/commands.js';
import { sessionStreamId } from '../../domain/session/events.js';
import type { MetricCode } from '../../domain/session/metrics.js';
import { getMonitorRow, listMonitorRows } from '../../projections/monitor/queries.js';
import { compileSql, parseQuery } from '../../projections/search/index.js';
import { verifySessionStream } from '../../app/chain/verify-stream.js';
import { assignProctor, cancelSession } from '../../app/scheduling/booking.js';
import { addNote, sendMessage } from '../../app/sessions/chat.js';
import { authorize, visibleSessions, type Operation } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { sessionActivitySource, sessionsChangedSource } from './live.js';
import { authorizedOn, readable } from './readable.js';
import { assertSearchable, commentFor, scoreVisibleTo } from './student-view.js';
import { toSession } from './mapping.js';
import { SessionOrder, sessionSort } from './sort.js';
import { CreateSessionInput, MetricValueInput } from './session.inputs.js';
import { metricValues } from './metric-values.js';
import { createSession } from '../../app/templates/create-session.js';
import {
  Conclusion, Message, MetricValue, Note, Session, SessionActivity, SessionChange, SessionConnection, StoredEvent, StreamVerification,
} from './session.type.js';


/** Authorise, run the command, answer with the session as the read model now has it. */
async function act<T extends SessionCommand['type']>(ctx: ApiContext, id: string, operation: Operation, type: T, data: DataOf<SessionCommand, T>): Promise<Session> {
  // `as never`: TypeScript 7 fails to unify the same conditional type through two generic signatures.
  return change(ctx, id, operation, (actor) => ctx.core.session<T>(id, type, data as never, actor));
}

/**
 * Authorise, run the use case, answer with the session as the read model has it once the use case's events are
 * applied: from the read of the batch that applied them, which the live lists share (no read of its own per command).
 */
async function change(ctx: ApiContext, id: string, operation: Operation, run: (actor: Actor) => Promise<unknown>): Promise<Session> {
  const actor = await authorizedOn(ctx.core, ctx.actor, id, operation);
  await run(actor);
  const row = await ctx.core.monitorRows.after(id);
  if (!row) throw new NotFoundError(`no session ${id}`);
  return toSession(row);
}

/** Events in a page of `sessionEvents` when `first` is not given, and at most. */
export const SESSION_EVENTS_PAGE = 1000;
const MAX_SESSION_EVENTS_PAGE = 5000;

@Resolver(() => Session)
export class SessionResolver {
  @Query(() => Session, { description: 'One session.' })
  async session(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<Session> {
    return toSession(await readable(ctx, id));
  }

  @Query(() => SessionConnection, { description: 'Sessions you may see, filtered by the search language, in the order asked (newest first by default), keyset-paged.' })
  async sessions(
    @Ctx() ctx: ApiContext,
    @Arg('query', () => String, { nullable: true }) query?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('orderBy', () => SessionOrder, { nullable: true, description: 'The order (newest first when not given).' }) orderBy?: SessionOrder | null,
    @Arg('descending', () => Boolean, { nullable: true, description: 'Reverse the order (by default only date is newest first).' }) descending?: boolean | null,
  ): Promise<SessionConnection> {
    const actor = authorize(ctx.actor, 'session.read');
    if (first != null && (first < 0 || first > 500)) throw new ValidationError('first must be from 0 to 500');
    const conditions = [visibleSessions(actor)];
    if (query?.trim()) {
      const parsed = parseQuery(query);
      assertSearchable(actor, parsed);
      conditions.push(compileSql(parsed, 1));
    }
    const page = await listMonitorRows(ctx.core.db, conditions, { first: first ?? 50, after, sort: sessionSort(orderBy, descending) });
    return {
      edges: page.rows.map((row, i) => ({ cursor: page.cursors[i], node: toSession(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }

  @Query(() => [StoredEvent], {
    description: `The session's raw event stream (auditors, administrators, its integrator), a page of \`first\` events (at most ${MAX_SESSION_EVENTS_PAGE}, ${SESSION_EVENTS_PAGE} if not given) from stream version \`from\`.`,
  })
  async sessionEvents(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ApiContext,
    @Arg('from', () => Int, { nullable: true, description: 'First stream version to return.' }) from?: number | null,
    @Arg('first', () => Int, { nullable: true, description: 'How many events at most.' }) first?: number | null,
  ): Promise<StoredEvent[]> {
    await readable(ctx, id, 'session.events');
    if (first != null && (first < 0 || first > MAX_SESSION_EVENTS_PAGE)) throw new ValidationError(`first must be from 0 to ${MAX_SESSION_EVENTS_PAGE}`);
    if (from != null && from < 0) throw new ValidationError('from must be 0 or more');
    return ctx.core.store.readStream(sessionStreamId(id), { fromVersion: from ?? 0, limit: first ?? SESSION_EVENTS_PAGE });
  }

  @Query(() => StreamVerification, { description: 'Recomputes the hash chain of the session\'s stream.' })
  async verifyStream(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<StreamVerification> {
    await readable(ctx, id, 'session.verifyStream');
    return verifySessionStream(ctx.core, id);
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Credibility 0–100, computed when the session ends (null for the test-taker unless the session shows it).' })
  score(@Root() session: Session, @Ctx() ctx: ApiContext): number | null {
    return scoreVisibleTo(ctx.actor, session) ? session.score : null;
  }

  @FieldResolver(() => [MetricValue], { description: 'Average of each metric over the session (empty for the test-taker unless the session shows the score: the score can be worked out from them).' })
  averages(@Root() session: Session, @Ctx() ctx: ApiContext): MetricValue[] {
    return scoreVisibleTo(ctx.actor, session) ? session.averages : [];
  }

  @FieldResolver(() => String, { nullable: true, description: 'The proctor\'s comment on the conclusion, for the record (null for the test-taker, who never sees it).' })
  comment(@Root() session: Session, @Ctx() ctx: ApiContext): string | null {
    return commentFor(ctx.actor, session.comment);
  }

  @Mutation(() => Session, { description: 'Creates a session (administrators and integrators).' })
  async createSession(@Arg('input', () => CreateSessionInput) input: CreateSessionInput, @Ctx() ctx: ApiContext): Promise<Session> {
    const actor = authorize(ctx.actor, 'session.create');
    await createSession(ctx.core, actor, {
      sessionId: input.id, name: input.name, student: input.student, studentName: input.studentName, proctor: input.proctor,
      durationMinutes: input.duration, scheduledAt: input.scheduledAt, metrics: (input.metrics ?? undefined) as MetricCode[] | undefined,
      weights: input.weights ? metricValues(input.weights) : undefined, threshold: input.threshold ?? undefined, autoConclude: input.autoConclude ?? undefined,
      url: input.url, template: input.template, tags: input.tags ?? undefined, secondCamera: input.secondCamera ?? undefined, selfScheduling: input.selfScheduling ?? undefined,
      scoreVisibleToStudent: input.scoreVisibleToStudent ?? undefined,
      checkInBeforeMinutes: input.checkInBefore, checkInAfterMinutes: input.checkInAfter,
      integrationId: actor.role === 'integrator' ? actor.id : null,
    });
    return toSession((await getMonitorRow(ctx.core.db, input.id))!);
  }

  @Mutation(() => Session, { description: 'Changes the proctor of a session that has not ended (administrators).' })
  assignProctor(@Arg('id', () => ID) id: string, @Arg('proctor', () => String, { nullable: true }) proctor: string | null, @Ctx() ctx: ApiContext) {
    return change(ctx, id, 'session.assignProctor', (actor) => assignProctor(ctx.core, actor, id, proctor ?? null));
  }

  @Mutation(() => Session, { description: 'Cancels a session that has not started.' })
  cancelSession(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: ApiContext) {
    return change(ctx, id, 'session.cancel', (actor) => cancelSession(ctx.core, actor, id, reason));
  }

  @Mutation(() => Session, { description: 'The test-taker opens the session (and passed the compatibility check).' })
  checkIn(
    @Arg('id', () => ID) id: string,
    @Arg('userAgent', () => String) userAgent: string,
    @Arg('browserSupported', () => Boolean, { defaultValue: true }) browserSupported: boolean,
    @Ctx() ctx: ApiContext,
  ) {
    return act(ctx, id, 'session.checkIn', 'CheckIn', { userAgent, browserSupported });
  }

  @Mutation(() => Session, { description: 'Records that an identity photo (face or document) was uploaded.' })
  submitIdentityPhoto(@Arg('id', () => ID) id: string, @Arg('photoId', () => String) photoId: string, @Arg('kind', () => String) kind: string, @Ctx() ctx: ApiContext) {
    if (kind !== 'face' && kind !== 'document') throw new ValidationError('kind must be face or document');
    return act(ctx, id, 'session.submitPhoto', 'SubmitIdentityPhoto', { photoId, kind });
  }

  @Mutation(() => Session, { description: 'The proctor confirms the test-taker\'s identity.' })
  verifyIdentity(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return act(ctx, id, 'session.verifyIdentity', 'VerifyIdentity', { method: 'proctor' });
  }

  @Mutation(() => Session, { description: 'Starts the exam (the test-taker, after check-in).' })
  startSession(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return act(ctx, id, 'session.start', 'StartSession', {});
  }

  @Mutation(() => Session, { description: 'One minute of metric values (share of the minute in violation, 0–100).' })
  recordMetrics(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('minute', () => Int) minute: number,
    @Arg('values', () => [MetricValueInput]) values: MetricValueInput[],
    @Ctx() ctx: ApiContext,
  ) {
    return act(ctx, sessionId, 'session.recordMetrics', 'RecordMetrics', { minute, values: metricValues(values) });
  }

  @Mutation(() => Session, { description: 'A violation that just started (the tile icon appears at once).' })
  recordViolation(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('code', () => String) code: string,
    @Ctx() ctx: ApiContext,
    @Arg('detail', () => String, { nullable: true }) detail?: string | null,
  ) {
    return act(ctx, sessionId, 'session.recordViolation', 'RecordViolation', { code: code as MetricCode, detail });
  }

  @Mutation(() => Message, { description: 'Sends a chat message; in incident mode (proctors) it blocks the test content until a normal one.' })
  async sendMessage(
    @Arg('sessionId', () => ID) sessionId: string,
    @Arg('text', () => String) text: string,
    @Ctx() ctx: ApiContext,
    @Arg('incident', () => Boolean, { defaultValue: false }) incident: boolean,
    @Arg('attachmentId', () => String, { nullable: true }) attachmentId?: string | null,
  ): Promise<Message> {
    const row = await readable(ctx, sessionId, incident ? 'session.sendIncident' : 'session.sendMessage');
    authorize(ctx.actor, 'session.sendMessage', row);
    const d = await sendMessage(ctx.core, ctx.actor!, sessionId, { text, incident, attachmentId });
    return { id: d.messageId, from: d.from, role: d.role, text: d.text, incident: d.incident, attachmentId: d.attachmentId, at: new Date(d.at) };
  }

  @Mutation(() => Note, { description: 'Adds a proctor note to the protocol.' })
  async addNote(@Arg('sessionId', () => ID) sessionId: string, @Arg('text', () => String) text: string, @Ctx() ctx: ApiContext): Promise<Note> {
    await readable(ctx, sessionId, 'session.addNote');
    const note = await addNote(ctx.core, ctx.actor!, sessionId, text);
    return { id: note.noteId, author: note.author, text: note.text, at: new Date(note.at) };
  }

  @Mutation(() => Session, { description: 'The proctor starts watching this session.' })
  joinSession(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return act(ctx, id, 'session.join', 'JoinAsProctor', {});
  }

  @Mutation(() => Session, { description: 'The proctor stops watching this session.' })
  leaveSession(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return act(ctx, id, 'session.join', 'LeaveAsProctor', {});
  }

  @Mutation(() => Session)
  pauseSession(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return act(ctx, id, 'session.pause', 'PauseSession', {});
  }

  @Mutation(() => Session)
  resumeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext) {
    return act(ctx, id, 'session.pause', 'ResumeSession', {});
  }

  @Mutation(() => Session, {
    description: 'Ends the session (the test-taker, its proctor, an administrator, or the integration that created it); staff may give the conclusion at once.',
  })
  finishSession(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ApiContext,
    @Arg('conclusion', () => Conclusion, { nullable: true }) conclusion?: Conclusion | null,
    @Arg('comment', () => String, { nullable: true, description: 'For the record (proctors, committee, auditors); the test-taker never sees it.' }) comment?: string | null,
    @Arg('messageToStudent', () => String, { nullable: true, description: 'Shown to the test-taker with the conclusion.' }) messageToStudent?: string | null,
  ) {
    return act(ctx, id, 'session.finish', 'FinishSession', { conclusion: conclusion ?? null, comment: comment ?? null, messageToStudent: messageToStudent ?? null });
  }

  @Mutation(() => Session, { description: 'Gives the conclusion on a finished session (the Rate button).' })
  concludeSession(
    @Arg('id', () => ID) id: string,
    @Arg('conclusion', () => Conclusion) conclusion: Conclusion,
    @Ctx() ctx: ApiContext,
    @Arg('comment', () => String, { nullable: true, description: 'For the record (proctors, committee, auditors); the test-taker never sees it.' }) comment?: string | null,
    @Arg('messageToStudent', () => String, { nullable: true, description: 'Shown to the test-taker with the conclusion.' }) messageToStudent?: string | null,
  ) {
    return act(ctx, id, 'session.conclude', 'ConcludeSession', { conclusion, comment: comment ?? null, messageToStudent: messageToStudent ?? null });
  }

  @Subscription(() => [SessionChange], {
    description:
      'Changes to the sessions you may see, one list per committed batch of events; `session` is the row after the change. ' +
      'Filtered by the search language: a change that makes a session stop matching comes with `matches: false` (drop it ' +
      'from the list); its later changes are not sent while it still does not match. Subscribe before reading the list.',
    subscribe: ({ args, context }) => sessionsChangedSource(context as ApiContext, (args as { query?: string | null }).query ?? null),
  })
  sessionsChanged(@Root() changes: SessionChange[], @Arg('query', () => String, { nullable: true }) _query?: string | null): SessionChange[] {
    return changes;
  }

  @Subscription(() => SessionActivity, {
    description: 'Everything that happens in one session as it happens: chat, metrics, incidents, state changes.',
    subscribe: ({ args, context }) => sessionActivitySource(context as ApiContext, (args as { id: string }).id),
  })
  sessionActivity(@Root() activity: SessionActivity, @Arg('id', () => ID) _id: string): SessionActivity {
    return activity;
  }
}

