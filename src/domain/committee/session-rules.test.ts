import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { IllegalStateError } from '../core/errors.js';
import type { SessionCommand } from '../session/commands.js';
import { sessionDecider } from '../session/decide.js';
import type { SessionEvent } from '../session/events.js';

const now = new Date('2026-03-02T10:00:00.000Z');
const at = now.toISOString();
const admin: Actor = { id: 'admin', role: 'admin' };
const chair: Actor = { id: 'alice', role: 'committee' };
const spec = specFor(sessionDecider);
const cmd = <T extends SessionCommand['type']>(type: T, data: Extract<SessionCommand, { type: T }>['data'], actor: Actor): SessionCommand =>
  ({ type, data, metadata: { now, actor, commandId: 'c' } }) as SessionCommand;

const created: SessionEvent = {
  type: 'SessionCreated',
  data: {
    sessionId: 's1', name: 'Exam', student: 'student1', studentName: null, proctor: 'proctor1', durationMinutes: 60, scheduledAt: null, metrics: ['b2'],
    weights: {}, threshold: 70, autoConclude: false, url: null, template: null, tags: [], secondCamera: false, createdBy: 'admin', integrationId: null,
    at: '2026-03-01T08:00:00.000Z',
  },
};
const finished: SessionEvent[] = [
  created,
  { type: 'ParticipantCheckedIn', data: { userAgent: 'Chromium', browserSupported: true, at: '2026-03-01T08:59:00.000Z' } },
  { type: 'SessionStarted', data: { at: '2026-03-01T09:00:00.000Z', deadline: '2026-03-01T10:00:00.000Z' } },
  { type: 'SessionFinished', data: { by: 'student', actor: 'student1', at: '2026-03-01T09:30:00.000Z' } },
];
const concluded: SessionEvent = { type: 'SessionConcluded', data: { conclusion: 'negative', comment: 'phone', by: 'proctor1', automatic: false, at: '2026-03-01T09:40:00.000Z' } };
const sent: SessionEvent = { type: 'SentToCommittee', data: { members: ['alice', 'bob', 'carol'], chair: 'alice', by: 'admin', at } };
const votes = [
  { member: 'alice', vote: 'overturn' as const, comment: 'a calculator' },
  { member: 'bob', vote: 'overturn' as const, comment: 'agreed' },
  { member: 'carol', vote: 'uphold' as const, comment: 'a phone' },
];
const decide = (decision: 'upheld' | 'overturned', conclusion: 'positive' | 'negative') =>
  cmd('RecordCommitteeDecision', { decision, conclusion, votes, tieBrokenByChair: false }, chair);

describe('when a session goes to committee', () => {
  it('records the members and the chair on the session', () =>
    spec([...finished, concluded]).when(cmd('SendToCommittee', { members: ['alice', 'bob', 'carol'], chair: 'alice' }, admin)).then([sent]));
  it('refuses a session without the proctor\'s conclusion', () =>
    spec(finished).when(cmd('SendToCommittee', { members: ['alice'], chair: 'alice' }, admin)).thenThrows(IllegalStateError, /proctor's conclusion/));
  it('stops the proctor and administrators from changing the conclusion under review', () =>
    spec([...finished, concluded, sent]).when(cmd('ConcludeSession', { conclusion: 'positive' }, admin)).thenThrows(IllegalStateError, /committee is reviewing/));
});

describe('when the committee decides', () => {
  it('overturning gives the session the other conclusion, saying why', () =>
    spec([...finished, concluded, sent]).when(decide('overturned', 'positive')).then([
      { type: 'CommitteeDecided', data: { decision: 'overturned', conclusion: 'positive', votes, tieBrokenByChair: false, by: 'alice', at } },
      { type: 'SessionConcluded', data: { conclusion: 'positive', comment: 'examination committee overturned the conclusion (2 of 3 votes)', messageToStudent: null, by: 'alice', automatic: false, at } },
    ]));
  it('upholding keeps the conclusion and records the votes', () =>
    spec([...finished, concluded, sent]).when(decide('upheld', 'negative')).then([
      { type: 'CommitteeDecided', data: { decision: 'upheld', conclusion: 'negative', votes, tieBrokenByChair: false, by: 'alice', at } },
    ]));
  it('is final: a retry records nothing, a later conclusion is refused', () => {
    const decided: SessionEvent = { type: 'CommitteeDecided', data: { decision: 'upheld', conclusion: 'negative', votes, tieBrokenByChair: false, by: 'alice', at } };
    spec([...finished, concluded, sent, decided]).when(decide('overturned', 'positive')).then([]);
    spec([...finished, concluded, sent, decided]).when(cmd('ConcludeSession', { conclusion: 'positive' }, admin)).thenThrows(IllegalStateError, /final/);
    spec([...finished, concluded, sent, decided]).when(cmd('SendToCommittee', { members: ['bob'], chair: 'bob' }, admin)).thenThrows(IllegalStateError, /final/);
  });
  it('refuses a decision when no committee reviews the session', () =>
    spec([...finished, concluded]).when(decide('upheld', 'negative')).thenThrows(IllegalStateError, /no examination committee/));
});
