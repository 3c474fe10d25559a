/** Test support: monitor rows for the search tests, and how to load them into `monitor_sessions`. */
import { METRIC_CODES } from '../../domain/session/metrics.js';
import type { MonitorRow } from '../monitor/row.js';

export function monitorRow(overrides: Partial<MonitorRow> & Pick<MonitorRow, 'sessionId'>): MonitorRow {
  return {
    name: 'Session',
    student: 'student',
    studentName: null,
    proctor: null,
    status: 'finished',
    date: new Date('2025-01-01T00:00:00Z'),
    createdAt: new Date('2024-12-01T00:00:00Z'),
    scheduledAt: null,
    startedAt: null,
    stoppedAt: null,
    duration: 60,
    score: null,
    conclusion: null,
    comment: null,
    messageToStudent: null,
    template: null,
    tags: [],
    metrics: [],
    url: null,
    createdBy: 'admin',
    blocked: false,
    finishedBy: null,
    secondCamera: false,
    scoreVisible: false,
    selfScheduling: false,
    booked: false,
    checkInBefore: 15,
    checkInAfter: 60,
    averages: {},
    recentCodes: [],
    committeeStatus: 'none',
    committeeDecision: null,
    committee: [],
    awaitingApproval: false,
    version: 1,
    ...overrides,
  };
}

const COLUMNS = [
  'session_id', 'name', 'student', 'student_name', 'proctor', 'status', 'date', 'created_at', 'scheduled_at',
  'started_at', 'stopped_at', 'duration', 'score', 'conclusion', 'comment', 'template', 'tags', 'url', 'created_by',
  'blocked', 'finished_by', ...METRIC_CODES.map((c) => `avg_${c}`), 'recent_codes', 'version',
];

function rowValues(r: MonitorRow): unknown[] {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return [
    r.sessionId, r.name, r.student, r.studentName, r.proctor, r.status, iso(r.date), iso(r.createdAt), iso(r.scheduledAt),
    iso(r.startedAt), iso(r.stoppedAt), r.duration, r.score, r.conclusion, r.comment, r.template, r.tags, r.url,
    r.createdBy, r.blocked, r.finishedBy, ...METRIC_CODES.map((c) => r.averages[c] ?? null), r.recentCodes, r.version,
  ];
}

/** One multi-row INSERT with bound parameters. */
export function insertStatement(rows: readonly MonitorRow[], table = 'monitor_sessions'): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const values = rowValues(r);
    const refs = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    return `(${refs.join(', ')})`;
  });
  return { sql: `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params };
}

const at = (iso: string) => new Date(iso);

/** Twenty sessions built so that each example of the user guide selects a known, distinguishable subset. */
export const FIXTURE: readonly MonitorRow[] = [
  monitorRow({ sessionId: '123', name: 'Entrance exam', student: 'student1', proctor: 'proctor1', date: at('2025-01-01T00:00:00Z'), score: 80, tags: ['math'], duration: 90, averages: { b1: 12.5 } }),
  monitorRow({ sessionId: '1234', name: 'Entrance test', student: 'student2', proctor: 'proctor2', date: at('2025-01-01T15:00:00Z'), score: 45, tags: ['Math', 'physics'], averages: { b1: 3 } }),
  monitorRow({ sessionId: '0123', name: 'Final exam (entrance)', student: 'Student1', proctor: 'proctor10', date: at('2024-12-31T23:30:00Z'), status: 'in_progress' }),
  monitorRow({ sessionId: 's-004', name: 'Math EXAM', student: 'student10', proctor: 'Proctor2', date: at('2025-01-02T00:00:00Z'), score: 50, status: 'concluded', tags: ['math', 'final'], conclusion: 'positive' }),
  monitorRow({ sessionId: 's-005', name: 'History quiz', student: 'student3', proctor: null, date: at('2025-06-15T12:00:00Z'), score: 99.5, status: 'scheduled', blocked: true }),
  monitorRow({ sessionId: 's-006', name: 'entrance_exam 2', student: 'student4', proctor: 'proctor3', date: at('2025-12-31T10:00:00Z'), score: 20, duration: 120 }),
  monitorRow({ sessionId: 's-007', name: 'Biology 100%', student: 'student5', proctor: 'proctor1', date: at('2026-01-01T00:00:00Z'), score: 70, status: 'cancelled' }),
  monitorRow({ sessionId: 's-008', name: 'Chemistry', student: 'x123', proctor: 'proctor2x', date: at('2025-03-01T08:00:00Z'), score: 100 }),
  monitorRow({ sessionId: 's-009', name: 'Physics', student: 'student11', proctor: 'proctor12', date: at('2025-03-01T23:59:59Z'), score: 0, status: 'waiting', blocked: true }),
  monitorRow({ sessionId: 's-010', name: 'Physics lab', student: 'student2', proctor: 'proctor1', date: at('2025-03-02T00:00:00Z'), score: 65 }),
  monitorRow({ sessionId: 's-011', name: 'Exam retake', student: 'student6', proctor: 'proctor4', date: at('2025-02-28T23:59:59.999Z') }),
  monitorRow({ sessionId: 's-012', name: 'Literature', student: 'student7', proctor: 'proctor5', date: at('2025-07-01T09:00:00Z'), score: 55 }),
  monitorRow({ sessionId: 's-013', name: 'Geography', student: 'student8', proctor: 'proctor2', date: at('2025-09-09T09:00:00Z'), score: 30 }),
  monitorRow({ sessionId: 's-014', name: 'Art', student: 'student9', proctor: 'proctor6', date: at('2025-10-10T09:00:00Z') }),
  monitorRow({ sessionId: 's-015', name: 'Music', student: 'STUDENT1', proctor: 'proctor7', date: at('2025-11-11T09:00:00Z'), score: 88 }),
  monitorRow({ sessionId: 's-016', name: 'Drama', student: 'alice', proctor: 'proctor1', date: at('2024-06-01T09:00:00Z'), score: 49.9 }),
  monitorRow({ sessionId: 's-017', name: 'Economics', student: 'bob', proctor: 'proctor8', date: at('2024-06-02T09:00:00Z'), score: 50.1 }),
  monitorRow({ sessionId: 's-018', name: 'Law', student: 'carol', proctor: 'proctor9', date: at('2027-01-01T00:00:00Z'), score: 12 }),
  monitorRow({ sessionId: 's-019', name: 'Philosophy', student: 'dave', proctor: 'admin', date: at('2025-04-01T00:00:00Z') }),
  monitorRow({ sessionId: 's-020', name: 'Statistics', student: 'erin', proctor: 'proctor2', date: at('2025-05-05T05:05:00Z'), score: 75 }),
];

export const ALL_IDS: readonly string[] = FIXTURE.map((r) => r.sessionId).sort();
