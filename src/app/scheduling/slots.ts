import type { Actor } from '../../domain/core/decider.js';
import { ValidationError } from '../../domain/core/errors.js';
import type { Core } from '../core/core.js';

/**
 * Opens slots in an active proctor's calendar, `seats` test-takers each. Answers the proctor's name as their account
 * spells it.
 */
export async function openSlots(core: Core, actor: Actor, proctor: string, slots: readonly { readonly start: Date; readonly end: Date }[], seats: number): Promise<string> {
  const account = await core.loadAccount(proctor);
  if (account.status !== 'active' || account.role !== 'proctor') throw new ValidationError(`${proctor} is not an active proctor`);
  await core.schedule(proctor, 'OpenSlots', { proctor: account.username, slots: slots.map((s) => ({ start: s.start, end: s.end })), seats }, actor);
  return account.username;
}
