import { IllegalStateError, ValidationError } from '../core/errors.js';
import type { CommandOf } from '../session/commands.js';
import type { SessionEvent } from '../session/events.js';
import { exists, login, readable } from '../session/rules.js';
import type { Session } from '../session/state.js';

/** The session's side of an examination committee: it learns it is under review, then takes the decision as final. */

export function sendToCommittee(command: CommandOf<'SendToCommittee'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'send to committee');
  if (s.status !== 'concluded') throw new IllegalStateError(`only a finished session with the proctor's conclusion can go to committee; this one is ${readable(s.status)}`);
  if (s.committee === 'decided') throw new IllegalStateError('the examination committee has decided: its conclusion is final');
  const members = command.data.members.map((m) => login(m, 'member'));
  if (!members.includes(command.data.chair)) throw new ValidationError('the chair must be one of the members', { field: 'chair' });
  return [{ type: 'SentToCommittee', data: { members, chair: command.data.chair, by: actor.id, at: now.toISOString() } }];
}

export function recordCommitteeDecision(command: CommandOf<'RecordCommitteeDecision'>, state: Session): SessionEvent[] {
  const { now, actor } = command.metadata;
  const s = exists(state, 'record a committee decision');
  if (s.committee === 'decided') return []; // the closing retried: the decision is already the session's
  if (s.status !== 'concluded' || s.committee !== 'reviewing') throw new IllegalStateError('no examination committee is reviewing this session');
  const d = command.data;
  const at = now.toISOString();
  const events: SessionEvent[] = [{
    type: 'CommitteeDecided',
    data: { decision: d.decision, conclusion: d.conclusion, votes: d.votes.map((v) => ({ ...v })), tieBrokenByChair: d.tieBrokenByChair, by: actor.id, at },
  }];
  if (d.conclusion !== s.conclusion) {
    const against = d.votes.filter((v) => v.vote === 'overturn').length;
    const comment = `examination committee overturned the conclusion (${against} of ${d.votes.length} votes${d.tieBrokenByChair ? ', the chair breaking the tie' : ''})`;
    events.push({ type: 'SessionConcluded', data: { conclusion: d.conclusion, comment, messageToStudent: null, by: actor.id, automatic: false, at } });
  }
  return events;
}
