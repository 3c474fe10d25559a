import { usernameOf, type AccountEvent } from '../domain/account/account.js';
import { PERSONAL_FIELDS } from '../domain/person/personal-fields.js';
import type { EventShape, Recorded } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import type { Projection } from './projection.js';

export type PersonErasedEvent = Extract<AccountEvent, { type: 'PersonErased' }>;

/** Removes what a read model holds of an erased person (`username`, lower case; `sessions`: theirs as a test-taker). */
export type EraseFromReadModel = (tx: Sql, username: string, data: PersonErasedEvent['data']) => Promise<void>;

/**
 * `projection`, also applying a person's erasure. It runs in the projection's own order, after every earlier event of
 * the person: those were read before their key was shredded, and any read after it opens their fields as erased, so
 * neither the live rows nor a rebuild bring the personal data back.
 */
export function erasing<E extends EventShape>(projection: Projection<E>, erase: EraseFromReadModel): Projection<E | PersonErasedEvent> {
  const isErasure = (event: Recorded<E | PersonErasedEvent>): event is Recorded<PersonErasedEvent> =>
    event.type === 'PersonErased' && event.streamId.startsWith('account-');
  const applyPage = projection.applyPage?.bind(projection);
  return {
    ...projection,
    handles: new Set<string>([...projection.handles, 'PersonErased']) as ReadonlySet<(E | PersonErasedEvent)['type']>,
    async apply(tx, event) {
      if (isErasure(event)) return erase(tx, usernameOf(event), event.data);
      return projection.apply(tx, event as Recorded<E>);
    },
    // A page keeps the projection's own batching; an erasure splits it, in its place among the events.
    applyPage: applyPage && (async (tx, events) => {
      let run: Recorded<E>[] = [];
      for (const event of events) {
        if (!isErasure(event)) {
          run.push(event as Recorded<E>);
          continue;
        }
        if (run.length) await applyPage(tx, run);
        run = [];
        await erase(tx, usernameOf(event), event.data);
      }
      if (run.length) await applyPage(tx, run);
    }),
  };
}

/**
 * Sets every personal field of the test-takers' session events kept as JSON in `table.column` (the event's data with
 * its type under `type`) to the field's erased value, for the rows of `sessions`.
 */
export async function eraseEventBodies(tx: Sql, table: string, column: string, sessions: readonly string[]): Promise<void> {
  if (sessions.length === 0) return;
  for (const [type, spec] of Object.entries(PERSONAL_FIELDS)) {
    if (spec.owner !== 'session-student') continue;
    for (const field of spec.fields) {
      await tx.query(
        `UPDATE ${table} SET ${column} = jsonb_set(${column}, $3::text[], $4::text::jsonb, false)
         WHERE session_id = ANY($1::text[]) AND ${column}->>'type' = $2 AND ${column} #> $3::text[] IS NOT NULL`,
        [[...sessions], type, [...field.path], JSON.stringify(field.erased)],
      );
    }
  }
}

/** The monitor: the test-taker's name and the conclusion's texts. */
export const eraseFromMonitor: EraseFromReadModel = async (tx, _username, { sessions }) => {
  await tx.query(`UPDATE monitor_sessions SET student_name = NULL, comment = NULL, message_to_student = NULL WHERE session_id = ANY($1::text[])`, [[...sessions]]);
};

/** The protocol: each entry's personal fields (chat, notes, file names, user agents, the conclusion's texts). */
export const eraseFromProtocol: EraseFromReadModel = (tx, _username, { sessions }) => eraseEventBodies(tx, 'protocol_entries', 'body', sessions);

/** Uploaded files: their names (the contents went with the sessions' media keys). */
export const eraseFromFiles: EraseFromReadModel = async (tx, _username, { sessions }) => {
  await tx.query(`UPDATE files SET name = 'erased' WHERE session_id = ANY($1::text[])`, [[...sessions]]);
};

/** Faces: the person's reference descriptor (biometric data). */
export const eraseFromFaces: EraseFromReadModel = async (tx, username) => {
  await tx.query(`DELETE FROM face_references WHERE profile = $1`, [username]);
};

/** Result webhooks: the conclusion's comment. */
export const eraseFromWebhooks: EraseFromReadModel = async (tx, _username, { sessions }) => {
  await tx.query(`UPDATE webhook_deliveries SET comment = NULL WHERE session_id = ANY($1::text[])`, [[...sessions]]);
};

/** A person's sessions as a test-taker (ids), from the monitor. */
export async function sessionsOfStudent(db: Sql, username: string): Promise<string[]> {
  const rows = await db.query<{ session_id: string }>(`SELECT session_id FROM monitor_sessions WHERE lower(student) = $1 ORDER BY session_id`, [username.toLowerCase()]);
  return rows.map((r) => r.session_id);
}
