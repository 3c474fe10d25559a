import type { Sql } from '../../store/sql.js';

/** A review as the read model holds it. */
export interface ReviewRow {
  readonly sessionId: string;
  readonly student: string;
  readonly proctor: string | null;
  readonly proctorConclusion: string;
  readonly members: readonly string[];
  readonly chair: string;
  readonly witness: string | null;
  readonly hearing: boolean;
  readonly presenter: string | null;
  readonly status: 'open' | 'closed';
  readonly decision: 'upheld' | 'overturned' | null;
  readonly conclusion: string | null;
  readonly tieBrokenByChair: boolean;
  readonly appointedAt: Date;
  readonly closedAt: Date | null;
  readonly inRoom: ReadonlyArray<{ readonly username: string; readonly as: string }>;
  readonly votes: ReadonlyArray<{ readonly member: string; readonly vote: 'uphold' | 'overturn'; readonly comment: string; readonly at: Date }>;
  readonly messages: ReadonlyArray<{ readonly messageId: string; readonly from: string; readonly text: string; readonly at: Date }>;
}

type Db = Record<string, unknown>;
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** The review of `sessionId`, with the room, votes and chat (the last `messages` of it); null when none was appointed. */
export async function getReview(db: Sql, sessionId: string, messages = 500): Promise<ReviewRow | null> {
  const [r] = await db.query<Db>(`SELECT * FROM committee_reviews WHERE session_id = $1`, [sessionId]);
  if (!r) return null;
  const [room, votes, chat] = await Promise.all([
    db.query<Db>(`SELECT participant, as_role FROM committee_room WHERE session_id = $1 ORDER BY joined_at, participant`, [sessionId]),
    db.query<Db>(`SELECT member, vote, comment, at FROM committee_votes WHERE session_id = $1`, [sessionId]),
    db.query<Db>(`SELECT * FROM (SELECT seq, message_id, sender, body, at FROM committee_messages WHERE session_id = $1 ORDER BY seq DESC LIMIT $2) m ORDER BY seq`, [sessionId, messages]),
  ]);
  const members = r.members as string[];
  const order = (m: string) => members.indexOf(m);
  return {
    sessionId, student: r.student as string, proctor: (r.proctor as string | null) ?? null, proctorConclusion: r.proctor_conclusion as string,
    members, chair: r.chair as string, witness: (r.witness as string | null) ?? null, hearing: Boolean(r.hearing),
    presenter: (r.presenter as string | null) ?? null, status: r.status as ReviewRow['status'], decision: (r.decision as ReviewRow['decision']) ?? null,
    conclusion: (r.conclusion as string | null) ?? null, tieBrokenByChair: Boolean(r.tie_broken), appointedAt: date(r.appointed_at)!, closedAt: date(r.closed_at),
    inRoom: room.map((x) => ({ username: x.participant as string, as: x.as_role as string })),
    votes: votes.map((x) => ({ member: x.member as string, vote: x.vote as 'uphold' | 'overturn', comment: x.comment as string, at: date(x.at)! }))
      .sort((a, b) => order(a.member) - order(b.member)),
    messages: chat.map((x) => ({ messageId: x.message_id as string, from: x.sender as string, text: x.body as string, at: date(x.at)! })),
  };
}

/** Who presents in the room of `sessionId` (null: nobody, or no open review). */
export async function presenterOf(db: Sql, sessionId: string): Promise<string | null> {
  const [r] = await db.query<{ presenter: string | null }>(`SELECT presenter FROM committee_reviews WHERE session_id = $1 AND status = 'open'`, [sessionId]);
  return r?.presenter ?? null;
}

/** The reviews `username` has a place in (member, witness, invited test-taker), newest first, with the session's name. */
export async function assignmentsOf(db: Sql, username: string): Promise<Array<{ sessionId: string; name: string | null; status: string; chair: string; appointedAt: Date }>> {
  const rows = await db.query<Db>(
    `SELECT c.session_id, m.name, c.status, c.chair, c.appointed_at FROM committee_reviews c LEFT JOIN monitor_sessions m ON m.session_id = c.session_id
      WHERE $1 = ANY(c.members) OR c.witness = $1 OR (c.hearing AND c.student = $1) ORDER BY c.appointed_at DESC LIMIT 200`,
    [username],
  );
  return rows.map((r) => ({ sessionId: r.session_id as string, name: (r.name as string | null) ?? null, status: r.status as string, chair: r.chair as string, appointedAt: date(r.appointed_at)! }));
}

/** `username`'s own vote in the review of `sessionId`, if they cast one. */
export async function voteOf(db: Sql, sessionId: string, username: string): Promise<{ vote: 'uphold' | 'overturn'; comment: string; at: Date } | null> {
  const [r] = await db.query<Db>(`SELECT vote, comment, at FROM committee_votes WHERE session_id = $1 AND member = $2`, [sessionId, username]);
  return r ? { vote: r.vote as 'uphold' | 'overturn', comment: r.comment as string, at: date(r.at)! } : null;
}
