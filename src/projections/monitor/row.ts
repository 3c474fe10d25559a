import type { MetricCode } from '../../domain/session/metrics.js';

/** The proctor's grouping of the session list, derived from the session status. */
export type SessionStatus = 'scheduled' | 'waiting' | 'in_progress' | 'paused' | 'finished' | 'concluded' | 'cancelled';

/**
 * One row of the monitor read model: every searchable and exportable field of a session.
 * Table `monitor_sessions`; column names are the snake_case of these keys (averages: `avg_b1` … `avg_s2`).
 */
export interface MonitorRow {
  sessionId: string; //          session_id  text primary key
  name: string; //               name        text
  student: string; //            student     text (test-taker login)
  studentName: string | null; // student_name text
  proctor: string | null; //     proctor     text (proctor login)
  status: SessionStatus; //      status      text
  date: Date; //                 date        timestamptz: actual start, else planned start, else creation
  createdAt: Date; //            created_at  timestamptz
  scheduledAt: Date | null; //   scheduled_at timestamptz
  startedAt: Date | null; //     started_at  timestamptz
  stoppedAt: Date | null; //     stopped_at  timestamptz
  duration: number; //           duration    integer (planned minutes)
  score: number | null; //       score       double precision
  conclusion: string | null; //  conclusion  text ('positive' | 'negative')
  comment: string | null; //     comment     text (for the record: never shown to the test-taker)
  messageToStudent: string | null; // message_to_student text (what the test-taker is told with the conclusion)
  template: string | null; //    template    text
  tags: string[]; //             tags        text[]
  metrics: MetricCode[]; //      metrics     text[] (the metrics this session uses)
  url: string | null; //         url         text (the LMS test content)
  createdBy: string; //          created_by  text
  blocked: boolean; //           blocked     boolean (an incident is active)
  finishedBy: string | null; //  finished_by text ('student' | 'proctor' | 'admin' | 'integrator' | 'timeout')
  scoreVisible: boolean; //      score_visible boolean (the test-taker may see the score)
  secondCamera: boolean; //      second_camera boolean (the session asks for a mobile camera)
  selfScheduling: boolean; //    self_scheduling boolean (the test-taker books the time from the proctors' slots)
  booked: boolean; //            booked      boolean (the test-taker has booked it)
  checkInBefore: number; //      check_in_before integer: check-in opens this many minutes before the start
  checkInAfter: number; //       check_in_after  integer: and closes this many after it
  averages: Partial<Record<MetricCode, number>>; // avg_<code> double precision, one column per metric
  recentCodes: MetricCode[]; //  recent_codes text[]: metrics in violation in the last recorded minute
  committeeStatus: 'none' | 'open' | 'closed'; // committee_status text: the examination committee's review
  committeeDecision: 'upheld' | 'overturned' | null; // committee_decision text
  awaitingApproval: boolean; //  awaiting_approval boolean: the start waits for a proctor's approval not given yet
  committee: string[]; //        committee_members text[]: who sits on the committee (they may read the session)
  version: number; //            version     integer: stream version folded into this row
}
