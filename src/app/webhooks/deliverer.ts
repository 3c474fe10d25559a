import { randomUUID } from 'node:crypto';
import type { Core } from '../core/core.js';
import { handleCommand } from '../core/handle-command.js';
import { SYSTEM_ACTOR } from '../../domain/core/decider.js';
import { IllegalStateError } from '../../domain/core/errors.js';
import { deliveryDecider, deliveryStreamId, type Delivery, type DeliveryCommand, type SessionResult } from '../../domain/webhook/delivery.js';
import { dueDeliveries, webhookUrlOf, type DueDelivery } from '../../projections/webhooks/queries.js';
import { fetchPost, POST_TIMEOUT_MS, type WebhookPost } from './http.js';
import { resultBody, signedHeaders } from './signing.js';

export interface DelivererOptions {
  /** Where the protocol link in each result points (`config.publicUrl`). */
  readonly publicUrl: string;
  readonly post?: WebhookPost;
  readonly clock?: () => Date;
  /** Deliveries attempted at once: a receiver that times out does not hold up the others. */
  readonly concurrency?: number;
  readonly log?: (message: string, error?: unknown) => void;
}

/** What one attempt got: a status code, or the reason there was none. */
export interface AttemptOutcome {
  readonly key: string;
  readonly attempt: number;
  readonly statusCode: number | null;
  readonly error: string | null;
}

/** How long an attempt is held by the node that makes it: longer than the request may take. */
const CLAIM_MS = 6 * POST_TIMEOUT_MS;

/**
 * Posts the results of concluded sessions to their integrations' webhooks and records every attempt. Its work comes
 * from the webhooks read model (so a restart picks up whatever is pending); each delivery's stream decides whether an
 * attempt is due and when the next one is. Several nodes may run it: an attempt is claimed before it is sent, and
 * the stream refuses a second record of the same attempt number.
 */
export class WebhookDeliverer {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<AttemptOutcome[]> | null = null;
  private readonly post: WebhookPost;
  private readonly clock: () => Date;
  private readonly log: (message: string, error?: unknown) => void;

  constructor(private readonly core: Core, private readonly options: DelivererOptions) {
    this.post = options.post ?? fetchPost;
    this.clock = options.clock ?? (() => core.now());
    this.log = options.log ?? (() => {});
  }

  start(everyMs = 5_000): void {
    this.timer = setInterval(() => void this.tick().catch((e) => this.log('webhook delivery pass failed', e)), everyMs);
  }

  /** One pass: schedules what concluded and attempts what is due by `now`. Answers the attempts it made. */
  async tick(now = this.clock()): Promise<AttemptOutcome[]> {
    while (this.running) await this.running.catch(() => []);
    const pass = (async () => {
      const due = await dueDeliveries(this.core.db, now);
      const outcomes = await eachLimited(due, this.options.concurrency ?? 4, (d) => this.deliver(d, now).catch((error) => {
        this.log(`could not deliver the result of session ${d.sessionId} to ${d.integration}`, error);
        return null;
      }));
      return outcomes.filter((o): o is AttemptOutcome => o !== null);
    })();
    this.running = pass;
    try {
      return await pass;
    } finally {
      this.running = null;
    }
  }

  /**
   * No new pass; the one running gets `budgetMs` to record its attempts (a shutdown cannot wait for a slow receiver).
   * An attempt cut short is tried again, under the same delivery id, once its claim lapses.
   */
  async stop(budgetMs = 1500): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    let timeout: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.running?.catch(() => []), new Promise((r) => (timeout = setTimeout(r, budgetMs)))]);
    clearTimeout(timeout);
  }

  private async deliver(due: DueDelivery, now: Date): Promise<AttemptOutcome | null> {
    const streamId = deliveryStreamId(due.key);
    const state = due.scheduled
      ? await this.write(streamId, null, now)
      : await this.write(streamId, { type: 'ScheduleDelivery', data: { deliveryId: randomUUID(), integration: due.integration, result: this.resultOf(due) } }, now);
    if (state.status !== 'pending' || state.nextAttemptAt === null || Date.parse(state.nextAttemptAt) > now.getTime()) return null;
    const attempt = state.attempts + 1;
    if (!(await this.core.claims.claim(`webhook:${state.deliveryId}:${attempt}`, new Date(now.getTime() + CLAIM_MS)))) return null;
    const answer = await this.send(state, now);
    try {
      await this.write(streamId, { type: 'RecordDeliveryAttempt', data: { attempt, ...answer } }, now);
    } catch (error) {
      if (error instanceof IllegalStateError) return null; // another node recorded this attempt first
      throw error;
    }
    return { key: due.key, attempt, ...answer };
  }

  /** One signed POST with the integration's secret (the HS256 secret it signs its session tokens with). */
  private async send(state: Exclude<Delivery, { status: 'none' }>, now: Date): Promise<{ statusCode: number | null; error: string | null }> {
    const account = await this.core.loadAccount(state.integration);
    const secret = account.status === 'none' ? null : account.integrationSecret;
    if (!secret) return { statusCode: null, error: 'not sent: the integration has no secret to sign with' };
    const url = await webhookUrlOf(this.core.db, state.integration);
    if (!url) return { statusCode: null, error: 'not sent: the integration has no webhook URL any more' };
    const body = resultBody(state.result);
    try {
      const { status } = await this.post({ url, headers: signedHeaders(secret, state.deliveryId, Math.floor(now.getTime() / 1000), body), body });
      if (!Number.isInteger(status) || status < 100 || status > 599) return { statusCode: null, error: `unexpected HTTP status ${status}` };
      return { statusCode: status, error: null };
    } catch (error) {
      return { statusCode: null, error: (error as Error)?.message || 'the request failed' };
    }
  }

  /** Runs a command on a delivery's stream (or, with null, only reads it) and waits until the read model has it. */
  private async write(streamId: string, body: Omit<DeliveryCommand, 'metadata'> | null, now: Date): Promise<Delivery> {
    if (body === null) {
      const events = await this.core.store.readStream(streamId);
      return events.reduce((s, e) => deliveryDecider.evolve(s, e as never), deliveryDecider.initialState());
    }
    const command = { ...body, metadata: { now, actor: SYSTEM_ACTOR, commandId: randomUUID() } } as DeliveryCommand;
    const { state, version } = await handleCommand(this.core.store, deliveryDecider, streamId, command);
    await this.core.caughtUpWith(streamId, version);
    return state;
  }

  private resultOf(due: DueDelivery): SessionResult {
    const protocolUrl = `${this.options.publicUrl.replace(/\/+$/, '')}/#/protocol/${encodeURIComponent(due.sessionId)}`;
    return {
      sessionId: due.sessionId, student: due.student, score: due.score, conclusion: due.conclusion, comment: due.comment, protocolUrl, concludedAt: due.concludedAt.toISOString(),
    };
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, answers in order. */
async function eachLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
