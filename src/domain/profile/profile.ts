import type { CommandMetadata, Decider } from '../core/decider.js';
import { assertNever, ForbiddenError, ValidationError } from '../core/errors.js';
import { identifier, text } from '../core/fields.js';

/** Length of a face descriptor. */
export const DESCRIPTOR_LENGTH = 128;

/**
 * A person's identity profile (stream `profile-<username>`): the reference face that every later photo of theirs is
 * compared with (1:1), and that other people's photos are searched against (1:N).
 */
export type ProfileEvent =
  | {
      readonly type: 'ProfileReferenceSet';
      readonly data: {
        readonly username: string;
        /** The identity photo (file id) the descriptor was computed from. */
        readonly photoId: string;
        readonly descriptor: readonly number[];
        readonly by: string;
        readonly at: string;
      };
    }
  | { readonly type: 'ProfileReferenceCleared'; readonly data: { readonly username: string; readonly reason: string; readonly by: string; readonly at: string } };

export const PROFILE_EVENT_TYPES: readonly ProfileEvent['type'][] = ['ProfileReferenceSet', 'ProfileReferenceCleared'];

export type ProfileCommand =
  | {
      /**
       * `replace: false` is the first verified identity photo: it sets the reference only when there is none (and does
       * nothing otherwise, so two photos racing cannot both win). `replace: true` is an admin's upload: it overrides.
       */
      readonly type: 'SetProfileReference';
      readonly data: { readonly username: string; readonly photoId: string; readonly descriptor: readonly number[]; readonly replace: boolean };
      readonly metadata: CommandMetadata;
    }
  | { readonly type: 'ClearProfileReference'; readonly data: { readonly username: string; readonly reason: string }; readonly metadata: CommandMetadata };

export type Profile =
  | { readonly status: 'none' }
  | { readonly status: 'cleared'; readonly username: string }
  | { readonly status: 'referenced'; readonly username: string; readonly photoId: string; readonly descriptor: readonly number[]; readonly setAt: string };

export const profileStreamId = (username: string) => `profile-${username.toLowerCase()}`;

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

function checkDescriptor(descriptor: readonly number[]): void {
  if (!Array.isArray(descriptor) || descriptor.length !== DESCRIPTOR_LENGTH) {
    throw new ValidationError(`a face descriptor has ${DESCRIPTOR_LENGTH} numbers, not ${Array.isArray(descriptor) ? descriptor.length : typeof descriptor}`);
  }
  if (!descriptor.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new ValidationError('a face descriptor holds finite numbers only');
}

function checkUsername(username: string, state: Profile): void {
  if (typeof username !== 'string' || !USERNAME.test(username)) throw new ValidationError(`username ${JSON.stringify(username)} must be 1–100 letters, digits or _ . @ -`);
  if (state.status !== 'none' && state.username.toLowerCase() !== username.toLowerCase()) {
    throw new ValidationError(`this is the profile of ${state.username}, not ${username}`);
  }
}

export function decideProfile(command: ProfileCommand, state: Profile): ProfileEvent[] {
  const { now, actor } = command.metadata;
  const at = now.toISOString();
  if (actor.role !== 'system' && actor.role !== 'admin') throw new ForbiddenError('only an administrator or the system can change a reference face');
  switch (command.type) {
    case 'SetProfileReference': {
      const d = command.data;
      checkUsername(d.username, state);
      checkDescriptor(d.descriptor);
      identifier(d.photoId, 'photo id');
      if (state.status === 'referenced' && (!d.replace || state.photoId === d.photoId)) return [];
      const username = state.status === 'none' ? d.username : state.username;
      return [{ type: 'ProfileReferenceSet', data: { username, photoId: d.photoId, descriptor: [...d.descriptor], by: actor.id, at } }];
    }
    case 'ClearProfileReference': {
      checkUsername(command.data.username, state);
      if (state.status !== 'referenced') return [];
      if (!command.data.reason.trim()) throw new ValidationError('say why the reference face is cleared');
      const reason = text(command.data.reason, 'reason', 1000, { multiline: true });
      return [{ type: 'ProfileReferenceCleared', data: { username: state.username, reason, by: actor.id, at } }];
    }
    default:
      return assertNever(command, 'profile command');
  }
}

export function evolveProfile(state: Profile, event: ProfileEvent): Profile {
  switch (event.type) {
    case 'ProfileReferenceSet': {
      const d = event.data;
      return { status: 'referenced', username: d.username, photoId: d.photoId, descriptor: d.descriptor, setAt: d.at };
    }
    case 'ProfileReferenceCleared':
      return { status: 'cleared', username: event.data.username };
    default:
      return assertNever(event, 'profile event');
  }
}

export const profileDecider: Decider<ProfileCommand, ProfileEvent, Profile> = {
  initialState: () => ({ status: 'none' }),
  decide: decideProfile,
  evolve: evolveProfile,
};
