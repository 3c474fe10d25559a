import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import { MAX_BULK_SESSIONS, runBulk, type BulkAction } from '../../app/sessions/bulk.js';
import { authorize } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { apiCode } from '../errors.js';
import { DateTime } from '../scalars.js';
import { toSession } from './mapping.js';
import { readable } from './readable.js';
import { getMonitorRow } from '../../projections/monitor/queries.js';
import { Session } from './session.type.js';

@ObjectType({ description: 'What a bulk action did to one session: done (or nothing to do), or why it was refused.' })
export class BulkSessionResult {
  @Field(() => ID) id!: string;
  @Field(() => Boolean) ok!: boolean;
  @Field(() => String, { nullable: true, description: 'The error code a single mutation would have given (CONFLICT, NOT_FOUND, BAD_USER_INPUT …).' }) code!: string | null;
  @Field(() => String, { nullable: true }) message!: string | null;
}

const IDS = { description: `The sessions, at most ${MAX_BULK_SESSIONS}.` };

/** Runs a bulk action as an administrator and answers per session. */
async function bulk(ctx: ApiContext, ids: readonly string[], action: BulkAction): Promise<BulkSessionResult[]> {
  const actor = authorize(ctx.actor, 'session.bulk');
  const outcomes = await runBulk(ctx.core, actor, ids, action);
  return outcomes.map(({ id, error }) => ({ id, ok: error === null, code: error ? apiCode(error.code) : null, message: error?.message ?? null }));
}

/**
 * The console's actions on many sessions at once (administrators): each session gets its own command and event, and
 * one refusal does not stop the others.
 */
@Resolver()
export class BulkSessionResolver {
  @Mutation(() => Session, { description: 'Moves the start of a session that has not started (not one the test-taker booked into a slot).' })
  async rescheduleSession(@Arg('id', () => ID) id: string, @Arg('scheduledAt', () => DateTime) scheduledAt: Date, @Ctx() ctx: ApiContext): Promise<Session> {
    const row = await readable(ctx, id, 'session.reschedule');
    await ctx.core.session(id, 'RescheduleSession', { scheduledAt }, ctx.actor!);
    return toSession((await getMonitorRow(ctx.core.db, id)) ?? row);
  }

  @Mutation(() => [BulkSessionResult], { description: 'Gives each session to a proctor (null: to nobody).' })
  assignProctorToSessions(@Arg('ids', () => [ID], IDS) ids: string[], @Arg('proctor', () => String, { nullable: true }) proctor: string | null, @Ctx() ctx: ApiContext) {
    return bulk(ctx, ids, { kind: 'assignProctor', proctor: proctor ?? null });
  }

  @Mutation(() => [BulkSessionResult], { description: 'Moves the start of each session that has not started.' })
  rescheduleSessions(@Arg('ids', () => [ID], IDS) ids: string[], @Arg('scheduledAt', () => DateTime) scheduledAt: Date, @Ctx() ctx: ApiContext) {
    return bulk(ctx, ids, { kind: 'reschedule', scheduledAt });
  }

  @Mutation(() => [BulkSessionResult], { description: 'Cancels each session that has not started, with the reason given.' })
  cancelSessions(@Arg('ids', () => [ID], IDS) ids: string[], @Arg('reason', () => String) reason: string, @Ctx() ctx: ApiContext) {
    return bulk(ctx, ids, { kind: 'cancel', reason });
  }

  @Mutation(() => [BulkSessionResult], { description: 'Pauses each session in progress.' })
  pauseSessions(@Arg('ids', () => [ID], IDS) ids: string[], @Ctx() ctx: ApiContext) {
    return bulk(ctx, ids, { kind: 'pause' });
  }

  @Mutation(() => [BulkSessionResult], { description: 'Resumes each paused session.' })
  resumeSessions(@Arg('ids', () => [ID], IDS) ids: string[], @Ctx() ctx: ApiContext) {
    return bulk(ctx, ids, { kind: 'resume' });
  }
}
