import type { ActivityData, ChatData, SessionData } from './graphql.generated.js';

/** A session as lists, tiles and the exam page show it (the fields of SESSION_FIELDS). */
export type SessionView = SessionData['session'];

/** One chat message (the fields of MESSAGE_FIELDS). */
export type MessageView = ChatData['session']['messages'][number];

/** The statuses of a session that is over: nothing more happens in it. */
export const ENDED_STATUSES: ReadonlySet<string> = new Set(['finished', 'concluded', 'cancelled']);

/** One event of a session as `sessionActivity` sends it: its data is the event's own (see the event types). */
export type ActivityView = ActivityData['sessionActivity'];
