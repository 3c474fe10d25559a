import { registerEnumType } from 'type-graphql';
import type { SessionSort } from '../../projections/monitor/paging.js';

/** The columns a session list can be ordered by. */
export enum SessionOrder {
  date = 'date',
  name = 'name',
  student = 'student',
  proctor = 'proctor',
  status = 'status',
  scheduled = 'scheduled',
  score = 'score',
}
registerEnumType(SessionOrder, {
  name: 'SessionOrder',
  description: 'date: actual, else planned start, else creation; name, student, proctor: alphabetically, ignoring case (no proctor first); status: by name; scheduled: planned start (none first); score: no score first.',
});

export function sessionSort(orderBy: SessionOrder | null | undefined, descending: boolean | null | undefined): SessionSort {
  return { key: orderBy ?? SessionOrder.date, descending: descending ?? (orderBy == null || orderBy === SessionOrder.date) };
}
