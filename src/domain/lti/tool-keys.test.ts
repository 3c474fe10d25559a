import { describe, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import { SYSTEM_ACTOR } from '../core/decider.js';
import { IllegalStateError, ValidationError } from '../core/errors.js';
import { toolKeysDecider, type ToolKeyCommand, type ToolKeyEvent } from './tool-keys.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');
const spec = specFor(toolKeysDecider);
let n = 0;
const cmd = <T extends ToolKeyCommand['type']>(type: T, data: Extract<ToolKeyCommand, { type: T }>['data']): ToolKeyCommand =>
  ({ type, data, metadata: { now: NOW, actor: SYSTEM_ACTOR, commandId: `c${++n}` } }) as ToolKeyCommand;
const pub = { kty: 'RSA', n: 'AQAB-n1', e: 'AQAB' };
const priv = { ...pub, d: 'd', p: 'p', q: 'q', dp: 'dp', dq: 'dq', qi: 'qi' };
const added = (kid: string): ToolKeyEvent => ({ type: 'ToolKeyGenerated', data: { kid, publicJwk: pub, privateJwk: priv, by: 'system', at: NOW.toISOString() } });

describe('our LTI signing keys', () => {
  it('adds a key pair under a new kid, keeping only the JWK fields of an RSA key', () => {
    spec([]).when(cmd('AddToolKey', { kid: 'k1', publicJwk: { ...pub, extra: 'x' }, privateJwk: priv })).then([added('k1')]);
    spec([added('k1')]).when(cmd('AddToolKey', { kid: 'k1', publicJwk: pub, privateJwk: priv })).thenThrows(IllegalStateError, /exists/);
  });
  it('refuses a key that is not RSA, lacks a private field, or whose halves do not match', () => {
    spec([]).when(cmd('AddToolKey', { kid: 'k1', publicJwk: { ...pub, kty: 'EC' }, privateJwk: priv })).thenThrows(ValidationError, /RSA/);
    spec([]).when(cmd('AddToolKey', { kid: 'k1', publicJwk: pub, privateJwk: { ...priv, d: '' } })).thenThrows(ValidationError, /no valid d/);
    spec([]).when(cmd('AddToolKey', { kid: 'k1', publicJwk: { ...pub, n: 'other' }, privateJwk: priv })).thenThrows(ValidationError, /not a pair/);
    spec([]).when(cmd('AddToolKey', { kid: '../k', publicJwk: pub, privateJwk: priv })).thenThrows(ValidationError, /key id/);
  });
  it('retires a replaced key once, never the one that signs', () => {
    const retired: ToolKeyEvent = { type: 'ToolKeyRetired', data: { kid: 'k1', by: 'system', at: NOW.toISOString() } };
    spec([added('k1'), added('k2')]).when(cmd('RetireToolKey', { kid: 'k1' })).then([retired]);
    spec([added('k1'), added('k2'), retired]).when(cmd('RetireToolKey', { kid: 'k1' })).then([]);
    spec([added('k1'), added('k2')]).when(cmd('RetireToolKey', { kid: 'k2' })).thenThrows(IllegalStateError, /signs now/);
    spec([added('k1')]).when(cmd('RetireToolKey', { kid: 'k9' })).thenThrows(IllegalStateError, /no key/);
  });
});
