import { describe, expect, it } from 'vitest';
import { specFor } from '../../../test/support/spec.js';
import type { Actor } from '../core/decider.js';
import { ForbiddenError, ValidationError } from '../core/errors.js';
import { profileDecider, profileStreamId, type ProfileCommand, type ProfileEvent } from './profile.js';

const now = new Date('2026-03-01T09:00:00.000Z');
const system: Actor = { id: 'system', role: 'system' };
const admin: Actor = { id: 'admin', role: 'admin' };
const spec = specFor(profileDecider);
const descriptor = Array.from({ length: 128 }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e7);
const other = descriptor.map((x) => -x);

const set = (over: Partial<Extract<ProfileCommand, { type: 'SetProfileReference' }>['data']> = {}, actor: Actor = system): ProfileCommand => ({
  type: 'SetProfileReference', data: { username: 'student1', photoId: 'photo-1', descriptor, replace: false, ...over }, metadata: { now, actor, commandId: 'c1' },
});
const clear = (reason = 'wrong person', actor: Actor = admin): ProfileCommand => ({
  type: 'ClearProfileReference', data: { username: 'student1', reason }, metadata: { now, actor, commandId: 'c2' },
});
const referenced: ProfileEvent = { type: 'ProfileReferenceSet', data: { username: 'student1', photoId: 'photo-1', descriptor, by: 'system', at: now.toISOString() } };
const cleared: ProfileEvent = { type: 'ProfileReferenceCleared', data: { username: 'student1', reason: 'wrong person', by: 'admin', at: now.toISOString() } };

describe('when the first verified identity photo arrives', () => {
  it('sets the reference face', () => spec([]).when(set()).then([referenced]));
  it('does nothing when a reference is already set, so two photos racing cannot both win', () =>
    spec([referenced]).when(set({ photoId: 'photo-2', descriptor: other })).then([]));
  it('sets it again after an admin cleared it', () =>
    spec([referenced, cleared]).when(set({ photoId: 'photo-2', descriptor: other })).then([
      { type: 'ProfileReferenceSet', data: { username: 'student1', photoId: 'photo-2', descriptor: other, by: 'system', at: now.toISOString() } },
    ]));
});

describe('when an admin uploads a reference', () => {
  it('replaces the one in force', () =>
    spec([referenced]).when(set({ photoId: 'photo-9', descriptor: other, replace: true }, admin)).then([
      { type: 'ProfileReferenceSet', data: { username: 'student1', photoId: 'photo-9', descriptor: other, by: 'admin', at: now.toISOString() } },
    ]));
  it('does nothing when it is the same photo again', () => spec([referenced]).when(set({ replace: true }, admin)).then([]));
  it('clears it with a reason, once', () => {
    spec([referenced]).when(clear()).then([cleared]);
    spec([referenced, cleared]).when(clear()).then([]);
    spec([referenced]).when(clear('  ')).thenThrows(ValidationError, /why/);
  });
});

describe('refusals', () => {
  it('refuses a descriptor that is not 128 finite numbers', () => {
    spec([]).when(set({ descriptor: descriptor.slice(1) })).thenThrows(ValidationError, /128/);
    spec([]).when(set({ descriptor: [...descriptor.slice(1), Number.NaN] })).thenThrows(ValidationError, /finite/);
  });
  it('refuses a test-taker or a proctor', () => {
    spec([]).when(set({}, { id: 'student1', role: 'student' })).thenThrows(ForbiddenError);
    spec([referenced]).when(clear('x', { id: 'proctor1', role: 'proctor' })).thenThrows(ForbiddenError);
  });
  it('refuses a command for another username on this stream', () =>
    spec([referenced]).when(set({ username: 'student2', replace: true }, admin)).thenThrows(ValidationError, /student1/));
  it('refuses a bad username', () => spec([]).when(set({ username: 'a b' })).thenThrows(ValidationError, /username/));
});

it('names the stream after the lower-cased username', () => expect(profileStreamId('Student1')).toBe('profile-student1'));
