import { checkInWindow } from '../../domain/session/check-in.js';
import { METRIC_CODES } from '../../domain/session/metrics.js';
import type { MonitorRow } from '../../projections/monitor/row.js';
import type { Conclusion, Session, SessionStatus } from './session.type.js';

export function toSession(row: MonitorRow): Session {
  const window = checkInWindow(row.scheduledAt, row.checkInBefore, row.checkInAfter);
  return {
    id: row.sessionId,
    name: row.name,
    student: row.student,
    studentName: row.studentName,
    proctor: row.proctor,
    status: row.status as SessionStatus,
    date: row.date,
    createdAt: row.createdAt,
    scheduledAt: row.scheduledAt,
    startedAt: row.startedAt,
    stoppedAt: row.stoppedAt,
    duration: row.duration,
    score: row.score,
    conclusion: row.conclusion as Conclusion | null,
    comment: row.comment,
    messageToStudent: row.messageToStudent,
    template: row.template,
    tags: row.tags,
    metrics: row.metrics,
    url: row.url,
    createdBy: row.createdBy,
    blocked: row.blocked,
    awaitingApproval: row.awaitingApproval,
    finishedBy: row.finishedBy,
    secondCamera: row.secondCamera,
    scoreVisibleToStudent: row.scoreVisible,
    selfScheduling: row.selfScheduling,
    booked: row.booked,
    checkInOpensAt: window?.opensAt ?? null,
    checkInClosesAt: window?.closesAt ?? null,
    averages: METRIC_CODES.filter((c) => row.averages[c] !== undefined).map((code) => ({ code, value: row.averages[code]! })),
    recentCodes: row.recentCodes,
    version: row.version,
  };
}
