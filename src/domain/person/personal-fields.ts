/**
 * The personal fields of our events: what an erasure (GDPR Art. 17) must make unreadable. Events are immutable and
 * hash-chained, so these fields are stored sealed under the person's own key and the chain hashes the ciphertext;
 * erasing the person shreds the key, and from then on each field reads as its `erased` value. Usernames are not here:
 * they are the identifiers every stream and authorisation is keyed by (LMS users get pseudonyms, `lti-s-…`).
 */
export interface PersonalField {
  /** Where the field is in the event's data. */
  readonly path: readonly string[];
  /** What the field reads as once its person is erased (of a type every reader of the event already accepts). */
  readonly erased: unknown;
}

/** What an erased person's name reads as. */
export const ERASED_NAME = 'erased person';
/** What an erased person's free text (chat, notes) reads as. */
export const ERASED_TEXT = '(erased)';

/** Whose personal data an event's fields are: the account's or profile's owner, or the session's test-taker. */
export type PersonalOwner = 'stream-owner' | 'session-student';

/** By event type: the fields sealed, and whose they are. */
export const PERSONAL_FIELDS: Readonly<Record<string, { readonly owner: PersonalOwner; readonly fields: readonly PersonalField[] }>> = {
  AccountRegistered: { owner: 'stream-owner', fields: [{ path: ['displayName'], erased: ERASED_NAME }] },
  // A face descriptor is biometric data (GDPR Art. 9).
  ProfileReferenceSet: { owner: 'stream-owner', fields: [{ path: ['descriptor'], erased: [] }] },
  SessionCreated: { owner: 'session-student', fields: [{ path: ['studentName'], erased: null }] },
  // Chat and notes are about the test-taker whoever writes them, and may name them.
  MessageSent: { owner: 'session-student', fields: [{ path: ['text'], erased: ERASED_TEXT }] },
  NoteAdded: { owner: 'session-student', fields: [{ path: ['text'], erased: ERASED_TEXT }] },
  FileStored: { owner: 'session-student', fields: [{ path: ['name'], erased: 'erased' }] },
  ParticipantCheckedIn: { owner: 'session-student', fields: [{ path: ['userAgent'], erased: '' }] },
  MobileCameraConnected: { owner: 'session-student', fields: [{ path: ['userAgent'], erased: '' }] },
  // The conclusion itself stays (it is the result); the texts around it are about the person.
  SessionConcluded: { owner: 'session-student', fields: [{ path: ['comment'], erased: null }, { path: ['messageToStudent'], erased: null }] },
};
