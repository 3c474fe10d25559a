import { describe, expect, it } from 'vitest';
import { can as serverCan } from '../../src/api/authorization.js';
import { can as screenCan, mayOpen, PAGE_NEEDS, UI_MATRIX, type Role, type UiOperation } from '../../web/src/lib/permissions.js';

const ROLES: Role[] = ['admin', 'proctor', 'student', 'auditor', 'integrator', 'committee'];
const ME = 'me';
const OTHER = 'someone-else';
// Every relation a session can have to the user: taker or not, proctor or not (or none), creator or not.
const SESSIONS = [ME, OTHER].flatMap((student) =>
  [ME, OTHER, null].flatMap((proctor) => [ME, OTHER].map((createdBy) => ({ student, proctor, createdBy }))),
);

describe('the screens\' copy of the authorisation matrix', () => {
  it('answers as the server does for every role, operation and relation to the session', () => {
    const disagreements: string[] = [];
    for (const role of ROLES) {
      for (const operation of Object.keys(UI_MATRIX) as UiOperation[]) {
        const user = { username: ME, role };
        const actor = { id: ME, role };
        if (screenCan(user, operation) !== serverCan(actor, operation)) disagreements.push(`${role} ${operation} (any session)`);
        for (const s of SESSIONS) {
          if (screenCan(user, operation, s) !== serverCan(actor, operation, s)) disagreements.push(`${role} ${operation} ${JSON.stringify(s)}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('opens the new-session form to administrators only, and the calendar to proctors and administrators', () => {
    const open = (page: keyof typeof PAGE_NEEDS) => ROLES.filter((role) => mayOpen({ username: ME, role }, page));
    expect(open('new-session')).toEqual(['admin']);
    expect(open('calendar')).toEqual(['admin', 'proctor']);
  });

  it('lets nobody signed out do anything', () => {
    for (const operation of Object.keys(UI_MATRIX) as UiOperation[]) expect(screenCan(null, operation)).toBe(false);
  });
});
