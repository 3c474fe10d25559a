import { METRIC_CODES } from '../../src/domain/session/metrics.js';
import type { Sql } from '../../src/store/sql.js';

/**
 * Writes `count` finished sessions straight into the monitor read model in one statement (no events): for exports
 * and benchmarks that need many rows fast. Ids are `<prefix>000001` …; every tenth has no score; names carry commas,
 * quotes and Cyrillic so the CSV encoder has work to do. Proctors cycle through proctor1 … proctor20.
 */
export async function seedMonitorRows(db: Sql, count: number, prefix = 'bulk-'): Promise<void> {
  const averages = METRIC_CODES.map((c) => `avg_${c}`);
  await db.query(
    `INSERT INTO monitor_sessions (session_id, name, student, student_name, proctor, status, date, created_at, scheduled_at, started_at,
       stopped_at, duration, score, conclusion, comment, tags, created_by, finished_by, version, ${averages.join(', ')})
     SELECT $2 || lpad(n::text, 6, '0'), 'Exam ' || n || ', part "' || (n % 7) || '"', 'student' || (n % 500), 'Студент №' || n,
            'proctor' || (n % 20 + 1), 'finished', t, t, t, t, t + interval '1 hour', 60,
            CASE WHEN n % 10 = 0 THEN NULL ELSE (n * 37 % 100)::float8 END, 'positive', 'ok', ARRAY['group-' || (n % 5)], 'admin',
            'student', 3, ${averages.map((_, i) => `((n + ${i}) % 100)::float8`).join(', ')}
       FROM generate_series(1, $1::int) AS g(n), LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + n * interval '1 minute' AS t) AS d`,
    [count, prefix],
  );
}
