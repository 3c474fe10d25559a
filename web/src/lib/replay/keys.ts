import type { KeyLike } from '../player/keys.js';

export type ReplayKey = 'next' | 'previous' | 'first' | 'last';

const TYPING = 'input, textarea, select, [contenteditable=""], [contenteditable="true"], dialog, [role="dialog"]';

/**
 * ↓ / J the next event, ↑ / K the previous one, Home and End the ends. ← → and Space stay the recording's (see
 * player/keys.ts); keys typed into a field are the field's.
 */
export function replayKey(event: KeyLike): ReplayKey | null {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return null;
  const target = event.target as Element | null;
  if (target && typeof target.closest === 'function' && target.closest(TYPING)) return null;
  switch (event.key) {
    case 'ArrowDown': case 'j': case 'J': return 'next';
    case 'ArrowUp': case 'k': case 'K': return 'previous';
    case 'Home': return 'first';
    case 'End': return 'last';
    default: return null;
  }
}
