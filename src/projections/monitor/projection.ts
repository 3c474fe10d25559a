import type { SessionEvent } from '../../domain/session/events.js';
import { SESSION_EVENT_TYPES, sessionIdOf } from '../../domain/session/events.js';
import { METRIC_CODES, type MetricCode } from '../../domain/session/metrics.js';
import { assertNever } from '../../domain/core/errors.js';
import type { Recorded } from '../../store/event-store.js';
import type { Sql } from '../../store/sql.js';
import type { Projection } from '../projection.js';
import { MONITOR_DDL } from './schema.js';

const avgColumns = METRIC_CODES.map((c) => `avg_${c}`);

/** Events that change nothing in a session's row but its version (which tells a live list the session moved). */
const VERSION_ONLY = [
  'IdentityPhotoSubmitted',
  'FileStored',
  'RecordingSegmentStored',
  'RecordingSegmentRefused',
  'RecordingSegmentLost',
  'RecordingPlayed',
  'RecordingViewed',
  'StreamReplayed',
  'StreamExported',
  'CallStarted',
  'CallEnded',
  'MobileCameraConnected',
  'FaceChecked',
  'MessageSent',
  'ProctorJoined',
  'ProctorLeft',
  'NoteAdded',
  'LtiLaunched',
  'LtiMessageSent',
  'LtiAssessmentEnded',
  'LtiServiceCalled',
  'FileViewed',
  'SessionMediaDeleted',
  'RecordingAnalysed',
  'ClientReportContradicted',
] as const satisfies ReadonlyArray<SessionEvent['type']>;
type VersionOnly = Extract<Recorded<SessionEvent>, { type: (typeof VERSION_ONLY)[number] }>;
const versionOnly: ReadonlySet<string> = new Set(VERSION_ONLY);
const isVersionOnly = (event: Recorded<SessionEvent>): event is VersionOnly => versionOnly.has(event.type);

/** One row per session for the proctor's list, the search language and the data export. */
export const monitorProjection: Projection<SessionEvent> = {
  name: 'monitor',
  ddl: MONITOR_DDL,
  tables: ['monitor_sessions'],
  handles: new Set(SESSION_EVENT_TYPES),
  async apply(tx, event) {
    const id = sessionIdOf(event);
    const v = event.streamVersion;
    const set = (assignments: string, params: unknown[]) =>
      tx.query(`UPDATE monitor_sessions SET ${assignments ? `${assignments}, ` : ''}version = $2 WHERE session_id = $1`, [id, v, ...params]);
    if (isVersionOnly(event)) return void (await set('', []));
    switch (event.type) {
      case 'SessionCreated':
        return insertSession(tx, event);
      case 'ProctorAssigned':
        return void (await set('proctor = $3', [event.data.proctor]));
      case 'SessionBooked':
        return void (await set('proctor = $3, scheduled_at = $4, date = $4, booked = true', [event.data.proctor, event.data.scheduledAt]));
      case 'SessionRescheduled':
        return void (await set('scheduled_at = $3, date = $3', [event.data.scheduledAt]));
      case 'SessionCancelled':
        return void (await set(`status = 'cancelled', stopped_at = $3`, [event.data.at]));
      case 'ParticipantCheckedIn':
        return void (await set(`status = CASE WHEN status = 'scheduled' THEN 'waiting' ELSE status END`, []));
      case 'SessionStarted':
        return void (await set(`status = 'in_progress', started_at = $3, date = $3`, [event.data.at]));
      case 'SessionPaused': case 'SessionResumed':
        return void (await set('status = $3', [event.type === 'SessionPaused' ? 'paused' : 'in_progress']));
      case 'MetricsRecorded': {
        const values = event.data.values;
        // Running average over recorded minutes; a metric absent from a minute was clean (0) in it.
        const assignments = METRIC_CODES.map((c, i) => `avg_${c} = (coalesce(avg_${c}, 0) * minutes_recorded + $${i + 3}) / (minutes_recorded + 1)`);
        const recent = codesInViolation(values);
        await tx.query(
          `UPDATE monitor_sessions SET ${assignments.join(', ')}, minutes_recorded = minutes_recorded + 1,
             recent_codes = CASE WHEN last_minute IS NULL OR $${METRIC_CODES.length + 3} >= last_minute THEN $${METRIC_CODES.length + 4}::text[] ELSE recent_codes END,
             last_minute = greatest(last_minute, $${METRIC_CODES.length + 3}), version = $2
           WHERE session_id = $1`,
          [id, v, ...METRIC_CODES.map((c) => values[c] ?? 0), event.data.minute, recent],
        );
        return;
      }
      case 'ViolationDetected':
        return void (await set(`recent_codes = CASE WHEN $3 = ANY(recent_codes) THEN recent_codes ELSE array_append(recent_codes, $3) END`, [event.data.code]));
      case 'ContentBlocked': case 'ContentUnblocked':
        return void (await set('blocked = $3', [event.type === 'ContentBlocked']));
      case 'SessionFinished':
        return void (await set(`status = 'finished', stopped_at = $3, finished_by = $4, blocked = false`, [event.data.at, event.data.by]));
      case 'ScoreComputed': {
        const shares = new Map<MetricCode, number>(event.data.breakdown.map((b) => [b.code, b.share]));
        return void (await set(`score = $3, ${avgColumns.map((c, i) => `${c} = $${i + 4}`).join(', ')}`, [event.data.score, ...METRIC_CODES.map((c) => shares.get(c) ?? null)]));
      }
      case 'SessionConcluded':
        return void (await set(`status = 'concluded', conclusion = $3, comment = $4, message_to_student = $5`, [event.data.conclusion, event.data.comment, event.data.messageToStudent ?? null]));
      case 'IdentityVerified':
        // A proctor's confirmation is the approval to start (an automatic verification is not).
        return void (await set('awaiting_approval = awaiting_approval AND $3', [event.data.method !== 'proctor']));
      case 'SentToCommittee':
        return void (await set(`committee_status = 'open', committee_members = $3::text[]`, [[...event.data.members]]));
      case 'CommitteeDecided':
        return void (await set(`committee_status = 'closed', committee_decision = $3, conclusion = $4`, [event.data.decision, event.data.conclusion]));
      default:
        return assertNever(event, 'session event');
    }
  },
  async applyPage(tx, events) {
    // Most events of a busy page only move a session's version (segments, chat). Those a later event of the same
    // session follows need no statement (that event sets the version); the rest are set in one, after the others,
    // which only set earlier versions of those sessions.
    const last = new Map(events.map((e) => [sessionIdOf(e), e]));
    const versions = new Map<string, number>();
    for (const event of events) {
      if (!isVersionOnly(event)) await monitorProjection.apply(tx, event);
      else if (last.get(sessionIdOf(event)) === event) versions.set(sessionIdOf(event), event.streamVersion);
    }
    if (versions.size === 0) return;
    await tx.query(
      `UPDATE monitor_sessions m SET version = v.version FROM unnest($1::text[], $2::int4[]) AS v(session_id, version) WHERE m.session_id = v.session_id`,
      [[...versions.keys()], [...versions.values()]],
    );
  },
};

/** A new session's row, with everything the search language and the export read. */
async function insertSession(tx: Sql, event: Recorded<Extract<SessionEvent, { type: 'SessionCreated' }>>): Promise<void> {
  const d = event.data;
  await tx.query(
    `INSERT INTO monitor_sessions (session_id, name, student, student_name, proctor, status, date, created_at, scheduled_at, duration,
       template, tags, url, created_by, version, metrics, second_camera, self_scheduling, check_in_before, check_in_after, score_visible, awaiting_approval)
     VALUES ($1, $2, $3, $4, $5, 'scheduled', coalesce($7::timestamptz, $6::timestamptz), $6, $7, $8, $9, $10::text[], $11, $12, $13, $14::text[], $15, $16, $17, $18, $19, $20)
     ON CONFLICT (session_id) DO NOTHING`,
    [
      d.sessionId, d.name, d.student, d.studentName, d.proctor, d.at, d.scheduledAt, d.durationMinutes, d.template, [...d.tags], d.url, d.createdBy, event.streamVersion, [...d.metrics],
      d.secondCamera ?? false, d.selfScheduling ?? false, d.checkInBeforeMinutes ?? null, d.checkInAfterMinutes ?? null, d.scoreVisibleToStudent ?? false,
      d.fromTemplate?.stages.proctorApproval ?? false,
    ],
  );
}

function codesInViolation(values: Partial<Record<MetricCode, number>>): MetricCode[] {
  return METRIC_CODES.filter((c) => (values[c] ?? 0) > 0);
}

