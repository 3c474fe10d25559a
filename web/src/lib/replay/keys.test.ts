import { describe, expect, it } from 'vitest';
import type { KeyLike } from '../player/keys.js';
import { replayKey } from './keys.js';

const key = (k: string, over: Partial<KeyLike> = {}): KeyLike => ({ key: k, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, defaultPrevented: false, target: null, ...over });
const field = { closest: (selector: string) => (selector.includes('input') ? {} : null) } as unknown as EventTarget;

describe('the replay\'s keys', () => {
  it('steps with ↓ ↑ and J K, and goes to either end with Home and End', () => {
    expect(['ArrowDown', 'j', 'ArrowUp', 'k', 'Home', 'End'].map((k) => replayKey(key(k)))).toEqual(['next', 'next', 'previous', 'previous', 'first', 'last']);
  });

  it('leaves ← →, Space, modified keys and typing to their owners', () => {
    expect(['ArrowLeft', 'ArrowRight', ' '].map((k) => replayKey(key(k)))).toEqual([null, null, null]);
    expect(replayKey(key('j', { ctrlKey: true }))).toBeNull();
    expect(replayKey(key('j', { target: field }))).toBeNull();
    expect(replayKey(key('ArrowDown', { defaultPrevented: true }))).toBeNull();
  });
});
