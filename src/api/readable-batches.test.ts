import { describe, expect, it } from 'vitest';
import { can, readableBatches, type Caller, type SessionParties } from './authorization.js';
import { batchKeys, interestKey } from './subscriptions/from-batches.js';

/** Whether a batch that changed `session` reaches a source of `actor`, as the live fan-out files them. */
function reaches(actor: Caller, session: SessionParties & { sessionId: string }): boolean {
  const key = interestKey(readableBatches(actor));
  const row = { ...session, committee: [...(session.committee ?? [])] };
  return key === null || batchKeys([session.sessionId], new Map([[session.sessionId, row]])).has(key);
}

describe('which batches a live list is handed', () => {
  const sessions: Array<SessionParties & { sessionId: string }> = [
    { sessionId: 's1', student: 'ann', proctor: 'pat', createdBy: 'lms', committee: [] },
    { sessionId: 's2', student: 'bob', proctor: null, createdBy: 'admin', committee: ['cora', 'pat'] },
    { sessionId: 's3', student: 'ann', proctor: 'quinn', createdBy: 'lms', committee: ['cora'] },
  ];
  const actors: Caller[] = [
    { id: 'admin', role: 'admin' },
    { id: 'pat', role: 'proctor' },
    { id: 'quinn', role: 'proctor' },
    { id: 'ann', role: 'student' },
    { id: 'ann', role: 'student', sessionId: 's3' },
    { id: 'ann', role: 'student', sessionId: 's3', device: 'mobile' },
    { id: 'audrey', role: 'auditor' },
    { id: 'lms', role: 'integrator' },
    { id: 'cora', role: 'committee' },
    { id: 'pat', role: 'proctor', sessionId: 's2' },
  ];

  it('hands every batch a person may read a session of, whatever their role or token', () => {
    for (const actor of actors) {
      for (const session of sessions) {
        if (can(actor, 'session.read', session)) expect(reaches(actor, session), `${actor.role} ${actor.id} on ${session.sessionId}`).toBe(true);
      }
    }
  });

  it('narrows a proctor to the sessions they are a party to, and a session-bound token to its session', () => {
    expect(readableBatches({ id: 'pat', role: 'proctor' })).toEqual({ party: 'pat' });
    expect(readableBatches({ id: 'ann', role: 'student', sessionId: 's3' })).toEqual({ session: 's3' });
    expect(readableBatches({ id: 'admin', role: 'admin' })).toBe('all');
  });
});
