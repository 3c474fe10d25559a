import { describe, expect, it } from 'vitest';
import { compilePredicate, parseQuery } from '../../../src/projections/search/index.js';
import { monitorRow } from '../../../src/projections/search/fixture.js';
import { applyChange, gridColumns, groupSessions, moveInGrid, watchQueries } from './grouping.js';
import type { SessionView } from './types.js';

const s = (id: string, status: SessionView['status'], date: string, version = 1): SessionView => ({
  id, status, date, version, name: id, student: 'st', studentName: null, proctor: 'p', startedAt: null, stoppedAt: null, duration: 60, score: null,
  conclusion: null, comment: null, messageToStudent: null, checkInOpensAt: null, checkInClosesAt: null, url: null, blocked: false, awaitingApproval: false, finishedBy: null, recentCodes: [], tags: [], metrics: [], secondCamera: false, selfScheduling: false, booked: false,
});

describe('the proctor\'s session list', () => {
  it('groups by state, live sessions first, scheduled ones soonest first', () => {
    const groups = groupSessions([s('a', 'finished', '2026-01-01'), s('b', 'in_progress', '2026-01-02'), s('c', 'scheduled', '2026-02-02'), s('d', 'scheduled', '2026-02-01')]);
    expect(groups.map((g) => [g.status, g.sessions.map((x) => x.id)])).toEqual([['in_progress', ['b']], ['scheduled', ['d', 'c']], ['finished', ['a']]]);
  });

  it('takes a newer version, ignores an older one, and drops a session that stopped matching', () => {
    const list = { a: s('a', 'waiting', 'd', 3) };
    expect(applyChange(list, s('a', 'in_progress', 'd', 4), true).a.status).toBe('in_progress');
    expect(applyChange(list, s('a', 'scheduled', 'd', 2), true).a.status).toBe('waiting');
    expect(applyChange(list, s('a', 'finished', 'd', 5), false)).toEqual({});
  });
});

describe('keyboard moves between tiles', () => {
  it('moves by one sideways and by a row up and down, and stops at the edges', () => {
    expect(gridColumns(9)).toBe(3);
    expect(gridColumns(30)).toBe(6);
    expect(moveInGrid(4, 9, 3, 'ArrowRight')).toBe(5);
    expect(moveInGrid(4, 9, 3, 'ArrowUp')).toBe(1);
    expect(moveInGrid(1, 9, 3, 'ArrowUp')).toBe(1);
    expect(moveInGrid(8, 9, 3, 'ArrowRight')).toBe(8);
    expect(moveInGrid(0, 0, 1, 'ArrowDown')).toBe(-1);
  });
});

describe('following the watched sessions apart from the list\'s search', () => {
  it('matches exactly the watched ids, not ids that contain them or differ in case', () => {
    const [query] = watchQueries(['mon-1', 'Exam.2:b']);
    const matches = compilePredicate(parseQuery(query));
    expect(['mon-1', 'Exam.2:b', 'mon-10', 'xmon-1', 'exam.2:b'].filter((id) => matches(monitorRow({ sessionId: id })))).toEqual(['mon-1', 'Exam.2:b']);
  });

  it('splits thirty of the longest ids into searches the server accepts, together matching all of them', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(98)}`);
    const queries = watchQueries(ids);
    expect(queries.length).toBeGreaterThan(1);
    for (const q of queries) expect(q.length).toBeLessThanOrEqual(2000);
    const predicates = queries.map((q) => compilePredicate(parseQuery(q)));
    expect(ids.every((id) => predicates.filter((p) => p(monitorRow({ sessionId: id }))).length === 1)).toBe(true);
  });
});
