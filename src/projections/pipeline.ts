import type { Sql } from '../store/sql.js';

/** A transaction whose writes are sent without waiting for each answer, and the wait for them all. */
export interface Pipeline {
  /** Hand this to the projections: its `query` sends the statement and answers no rows at once. */
  readonly sql: Sql;
  /** Waits for every statement sent so far; throws the first one's error (those after it fail with it). */
  flush(): Promise<void>;
}

/**
 * Wraps a transaction so that a page's writes cost one wait instead of one round trip each: postgres.js pipelines
 * statements sent on one connection before the last is answered, and the PGlite thread queues them, so the runner
 * waits once, at `flush`. Statements still run in the order they were sent, which keeps the order within a stream.
 * Projections only write (see `Projection.apply`): a statement's rows are never read, so answering none is honest.
 */
export function pipelined(tx: Sql): Pipeline {
  let sent: Array<Promise<unknown>> = [];
  const send = (statement: Promise<unknown>): void => {
    statement.catch(() => {}); // awaited at flush; until then a failure must not count as unhandled
    sent.push(statement);
  };
  const notHere = (what: string) => () => {
    throw new Error(`${what} is not available to a projection's apply`);
  };
  const sql: Sql = {
    engine: tx.engine,
    query: async <Row>(text: string, params?: readonly unknown[]): Promise<Row[]> => {
      send(tx.query(text, params));
      return [];
    },
    exec: async (text) => send(tx.exec(text)),
    transaction: (fn) => fn(sql),
    savepoint: notHere('a savepoint'),
    cursor: notHere('a cursor'),
    textCursor: notHere('a cursor'),
    listen: notHere('listen'),
    reserve: notHere('reserve'),
    close: notHere('close'),
  };
  return {
    sql,
    async flush() {
      const waiting = sent;
      sent = [];
      const results = await Promise.allSettled(waiting);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
