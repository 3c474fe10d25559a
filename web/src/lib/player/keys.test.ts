import { describe, expect, it } from 'vitest';
import { playerKey, type KeyLike } from './keys.js';

/** An element stand-in: `closest` answers from the selectors it is said to be inside. */
const inside = (...selectors: string[]) =>
  ({ closest: (query: string) => (query.split(',').some((q) => selectors.some((s) => q.trim() === s)) ? {} : null) }) as unknown as EventTarget;
const press = (key: string, extra: Partial<KeyLike> = {}): KeyLike => ({
  key, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, defaultPrevented: false, target: inside(), ...extra,
});

describe('the player’s keys', () => {
  it('plays and pauses with Space, also on the player’s own buttons', () => {
    expect(playerKey(press(' '))).toEqual({ kind: 'toggle' });
    expect(playerKey(press(' ', { target: inside('button', '.player') }))).toEqual({ kind: 'toggle' });
  });

  it('steps 5 seconds with the arrows, a minute with Shift', () => {
    expect(playerKey(press('ArrowRight'))).toEqual({ kind: 'seek', seconds: 5 });
    expect(playerKey(press('ArrowLeft'))).toEqual({ kind: 'seek', seconds: -5 });
    expect(playerKey(press('ArrowRight', { shiftKey: true }))).toEqual({ kind: 'seek', seconds: 60 });
  });

  it('leaves keys typed into a field or a dialog, taken by another control, or with a modifier', () => {
    expect(playerKey(press(' ', { target: inside('input') }))).toBeNull();
    expect(playerKey(press('ArrowLeft', { target: inside('textarea') }))).toBeNull();
    expect(playerKey(press(' ', { target: inside('dialog') }))).toBeNull();
    expect(playerKey(press('ArrowRight', { defaultPrevented: true }))).toBeNull();
    expect(playerKey(press('ArrowRight', { ctrlKey: true }))).toBeNull();
  });

  it('lets Space press a button outside the player, and ignores other keys', () => {
    expect(playerKey(press(' ', { target: inside('button') }))).toBeNull();
    expect(playerKey(press('k'))).toBeNull();
  });
});
