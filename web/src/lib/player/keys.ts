/** What a key press asks of the protocol's player, or null when it is not the player's (typing, a dialog, a menu). */
export type PlayerKey = { kind: 'toggle' } | { kind: 'seek'; seconds: number };

/** The fields of a KeyboardEvent the decision needs (a plain object in tests). */
export interface KeyLike {
  key: string;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  defaultPrevented: boolean;
  target: EventTarget | null;
}

const TYPING = 'input, textarea, select, [contenteditable=""], [contenteditable="true"], dialog, [role="dialog"]';

/**
 * Space plays and pauses, ← and → step 5 s (with Shift, a minute). Keys typed into a field or a dialog are theirs; a
 * control that handles arrows itself (the timeline slider) has already taken them (`defaultPrevented`); Space on a
 * button outside the player presses that button, as always.
 */
export function playerKey(event: KeyLike): PlayerKey | null {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return null;
  const target = event.target as Element | null;
  const closest = (selector: string) => (target && typeof target.closest === 'function' ? target.closest(selector) : null);
  if (closest(TYPING)) return null;
  if (event.key === ' ') return closest('button, a, [role="button"]') && !closest('.player') ? null : { kind: 'toggle' };
  if (event.key === 'ArrowRight') return { kind: 'seek', seconds: event.shiftKey ? 60 : 5 };
  if (event.key === 'ArrowLeft') return { kind: 'seek', seconds: event.shiftKey ? -60 : -5 };
  return null;
}
