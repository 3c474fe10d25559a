import { describe, expect, it } from 'vitest';
import { UnauthenticatedError } from '../../domain/core/errors.js';
import { cookieName, LoginStates, matchesBrowser, STATE_TTL_MS } from './state.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');

describe('the state of an LTI login', () => {
  const states = new LoginStates('server-secret-server-secret-0001');

  it('opens to the platform, nonce and storage target it was made for, bound to the browser secret of its cookie', () => {
    const started = states.start('p-1', '_parent', NOW);
    const opened = states.open(started.state, NOW);
    expect(opened).toMatchObject({ platformId: 'p-1', nonce: started.nonce, storageTarget: '_parent', expiresAt: new Date(NOW.getTime() + STATE_TTL_MS) });
    expect(started.cookie.name).toBe(cookieName(started.state));
    expect(matchesBrowser(opened, started.cookie.value)).toBe(true);
    expect(matchesBrowser(opened, 'another-browser')).toBe(false);
  });

  it('gives every login its own nonce and cookie', () => {
    const a = states.start('p-1', null, NOW);
    const b = states.start('p-1', null, NOW);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.cookie.name).not.toBe(b.cookie.name);
  });

  it('refuses a state altered, made with another secret, or expired', () => {
    const { state } = states.start('p-1', null, NOW);
    const [body, mac] = state.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), p: 'p-2' })).toString('base64url');
    expect(() => states.open(`${forged}.${mac}`, NOW)).toThrow(/not issued by this tool/);
    expect(() => new LoginStates('another-secret-another-secret-01').open(state, NOW)).toThrow(UnauthenticatedError);
    expect(() => states.open(`${state}.x`, NOW)).toThrow(/not issued by this tool/);
    expect(() => states.open('', NOW)).toThrow(/not issued by this tool/);
    expect(() => states.open(state, new Date(NOW.getTime() + STATE_TTL_MS + 1))).toThrow(/has expired/);
  });
});
