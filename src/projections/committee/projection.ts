import { assertNever } from '../../domain/core/errors.js';
import { COMMITTEE_EVENT_TYPES, committeeSessionIdOf, type CommitteeEvent } from '../../domain/committee/events.js';
import type { Projection } from '../projection.js';

/**
 * The examination committees' reviews: one row per reviewed session (members, chair, invitations, presenter,
 * decision), who is in each room, each member's vote and the room's chat.
 */
export const committeeProjection: Projection<CommitteeEvent> = {
  name: 'committee',
  ddl: `
CREATE TABLE IF NOT EXISTS committee_reviews (
  session_id         text PRIMARY KEY,
  student            text NOT NULL,
  proctor            text,
  proctor_conclusion text NOT NULL,
  members            text[] NOT NULL,
  chair              text NOT NULL,
  witness            text,
  hearing            boolean NOT NULL DEFAULT false,
  presenter          text,
  status             text NOT NULL,
  decision           text,
  conclusion         text,
  tie_broken         boolean NOT NULL DEFAULT false,
  appointed_by       text NOT NULL,
  appointed_at       timestamptz NOT NULL,
  closed_at          timestamptz,
  version            integer NOT NULL
);
CREATE INDEX IF NOT EXISTS committee_reviews_members ON committee_reviews USING gin (members);
CREATE TABLE IF NOT EXISTS committee_room (
  session_id  text NOT NULL,
  participant text NOT NULL,
  as_role     text NOT NULL,
  joined_at   timestamptz NOT NULL,
  PRIMARY KEY (session_id, participant)
);
CREATE TABLE IF NOT EXISTS committee_votes (
  session_id text NOT NULL,
  member     text NOT NULL,
  vote       text NOT NULL,
  comment    text NOT NULL,
  at         timestamptz NOT NULL,
  PRIMARY KEY (session_id, member)
);
CREATE TABLE IF NOT EXISTS committee_messages (
  session_id text NOT NULL,
  seq        integer NOT NULL,
  message_id text NOT NULL,
  sender     text NOT NULL,
  body       text NOT NULL,
  at         timestamptz NOT NULL,
  PRIMARY KEY (session_id, seq)
);`,
  tables: ['committee_reviews', 'committee_room', 'committee_votes', 'committee_messages'],
  handles: new Set(COMMITTEE_EVENT_TYPES),
  async apply(tx, event) {
    const id = committeeSessionIdOf(event);
    const v = event.streamVersion;
    const set = (assignments: string, params: unknown[]) =>
      tx.query(`UPDATE committee_reviews SET ${assignments}, version = $2 WHERE session_id = $1`, [id, v, ...params]);
    switch (event.type) {
      case 'CommitteeAppointed': {
        const d = event.data;
        await tx.query(
          `INSERT INTO committee_reviews (session_id, student, proctor, proctor_conclusion, members, chair, status, appointed_by, appointed_at, version)
           VALUES ($1, $2, $3, $4, $5::text[], $6, 'open', $7, $8, $9)
           ON CONFLICT (session_id) DO UPDATE SET members = excluded.members, chair = excluded.chair, proctor_conclusion = excluded.proctor_conclusion,
             appointed_by = excluded.appointed_by, appointed_at = excluded.appointed_at, version = excluded.version`,
          [id, d.student, d.proctor, d.proctorConclusion, [...d.members], d.chair, d.by, d.at, v],
        );
        return void (await tx.query(`DELETE FROM committee_votes WHERE session_id = $1`, [id]));
      }
      case 'WitnessInvited':
        return void (await set('witness = $3', [event.data.witness]));
      case 'HearingInvited':
        return void (await set('hearing = true', []));
      case 'CommitteeRoomJoined':
        await tx.query(
          `INSERT INTO committee_room (session_id, participant, as_role, joined_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (session_id, participant) DO UPDATE SET as_role = excluded.as_role, joined_at = excluded.joined_at`,
          [id, event.data.participant, event.data.as, event.data.at],
        );
        return void (await set('status = status', []));
      case 'CommitteeRoomLeft':
        await tx.query(`DELETE FROM committee_room WHERE session_id = $1 AND participant = $2`, [id, event.data.participant]);
        return void (await set('presenter = CASE WHEN presenter = $3 THEN NULL ELSE presenter END', [event.data.participant]));
      case 'PresenterChanged':
        return void (await set('presenter = $3', [event.data.presenter]));
      case 'CommitteeMessagePosted':
        await tx.query(
          `INSERT INTO committee_messages (session_id, seq, message_id, sender, body, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [id, v, event.data.messageId, event.data.from, event.data.text, event.data.at],
        );
        return void (await set('status = status', []));
      case 'CommitteeVoteCast':
        await tx.query(
          `INSERT INTO committee_votes (session_id, member, vote, comment, at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_id, member) DO UPDATE SET vote = excluded.vote, comment = excluded.comment, at = excluded.at`,
          [id, event.data.member, event.data.vote, event.data.comment, event.data.at],
        );
        return void (await set('status = status', []));
      case 'CommitteeReviewClosed': {
        const d = event.data;
        return void (await set(`status = 'closed', decision = $3, conclusion = $4, tie_broken = $5, closed_at = $6, presenter = NULL`, [d.decision, d.conclusion, d.tieBrokenByChair, d.at]));
      }
      default:
        return assertNever(event, 'committee event');
    }
  },
};
