import type { Client } from '@urql/core';
import { follow, request } from '../client.js';
import { ACTIVITY } from '../documents.js';
import { APPROVE_START, EXAM_STEPS } from './documents.js';
import { ALWAYS, awaitingApproval, type ExamStepsView } from './exam-steps.js';

/**
 * The proctor's view of the active session's exam: which addons it has (the monitor offers only those) and whether
 * the test-taker waits for the proctor's approval to start.
 */
export class SessionSteps {
  steps = $state<ExamStepsView>(ALWAYS);
  approvedBy = $state<string | null>(null);
  error = $state<string | null>(null);
  awaiting = $derived(awaitingApproval(this.steps, this.approvedBy));

  constructor(private readonly client: Client, readonly sessionId: string) {}

  /** Loads the session's steps and follows its approval; returns the function that stops following. */
  watch(): () => void {
    const approvals = follow(ACTIVITY, { id: this.sessionId }, ({ sessionActivity: a }) => {
      if (a.type === 'IdentityVerified' && a.data.method === 'proctor') this.approvedBy = String(a.data.by);
    });
    // Read once subscribed, so an approval given in between is in the read or comes.
    approvals.subscribed
      .then(() => request(this.client, EXAM_STEPS, { id: this.sessionId }))
      .then(({ session }) => {
        this.steps = session.examSteps ?? ALWAYS;
        this.approvedBy = this.approvedBy ?? session.approvedBy ?? null;
      })
      .catch((e) => (this.error = (e as Error).message));
    return approvals.stop;
  }

  /** Lets the test-taker start (and confirms who they are). */
  async approve(): Promise<void> {
    this.error = null;
    try {
      await request(this.client, APPROVE_START, { id: this.sessionId }, 'mutation');
    } catch (e) {
      this.error = (e as Error).message;
    }
  }
}
