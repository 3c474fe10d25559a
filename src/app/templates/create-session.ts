import type { Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { SessionCommand } from '../../domain/session/commands.js';
import { sessionFromTemplate, type SessionOverrides } from '../../domain/template/for-session.js';
import type { Core, DataOf } from '../core/core.js';
import { resolveTemplate, type Current } from './templates.js';

type CreateData = DataOf<SessionCommand, 'CreateSession'>;

/** A new session as its creator gives it: `template` names one (by id or name); `durationMinutes` may then be left out. */
export type NewSession = Omit<CreateData, 'durationMinutes' | 'fromTemplate'> & { readonly durationMinutes?: number | null };

/**
 * Creates a session. With a template, its current version gives every setting the creator left out, and the
 * session records which version it was (so a later edit of the template leaves it as it is); without one, the
 * session's own settings and their defaults, as always.
 */
export async function createSession(core: Core, actor: Actor, input: NewSession): Promise<void> {
  const data = await sessionData(core, input);
  await core.session(input.sessionId, 'CreateSession', data, actor);
}

/**
 * The `CreateSession` data for `input`: filled from its template when it names one (`resolved`: that template,
 * already read, so many sessions made at once all take the same version).
 */
export async function sessionData(core: Core, input: NewSession, resolved?: Current): Promise<CreateData> {
  if (input.template == null || !String(input.template).trim()) {
    if (input.durationMinutes == null) throw new ValidationError('a session without a template needs a duration', { field: 'duration' });
    return { ...input, durationMinutes: input.durationMinutes, template: null };
  }
  const template = resolved ?? (await resolveTemplate(core, input.template));
  const overrides: SessionOverrides = {
    durationMinutes: input.durationMinutes, metrics: input.metrics, weights: input.weights, threshold: input.threshold, autoConclude: input.autoConclude,
    secondCamera: input.secondCamera, scoreVisibleToStudent: input.scoreVisibleToStudent, checkInBeforeMinutes: input.checkInBeforeMinutes, checkInAfterMinutes: input.checkInAfterMinutes,
  };
  return { ...input, ...sessionFromTemplate(template.templateId, template.version, template.settings, overrides) };
}
