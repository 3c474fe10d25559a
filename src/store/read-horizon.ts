/**
 * Where a reader of the events table may read up to without skipping an event committed late.
 *
 * Events are read in (transaction_id, position) order. An event is safe to pass only once no transaction that could
 * still commit events before it is open. The plain rule is "below the oldest transaction open anywhere"
 * (`pg_snapshot_xmin`), but on a PostgreSQL server that is every transaction of every database on it: a report in
 * another database, an export's cursor, a projection batch, each would hold every reader back for as long as it
 * runs. So on PostgreSQL each append takes a shared advisory lock (for this schema) before its transaction has an
 * id, and readers are held back only by open transactions that hold it.
 *
 * One `pg_locks` scan is a consistent picture of the lock table: every open transaction with an id holds an
 * exclusive lock on that id, so a transaction open at that moment without our advisory lock is not an appender (an
 * appender takes the lock before it has an id and keeps it to its end). Every other transaction in the reader's
 * snapshot still counts, including those that ended between the snapshot and the scan.
 */
export const APPEND_LOCK_KEY = 1347571523;

/** The CTE an append joins on PostgreSQL, so the lock is held before its first row gets a transaction id. */
export const APPEND_LOCK_CTE = `append_lock AS (SELECT pg_advisory_xact_lock_shared(${APPEND_LOCK_KEY}, hashtext(current_schema())) AS locked)`;

/** An SQL expression (xid8): read only events of transactions below it. */
export function readHorizon(engine: 'pglite' | 'postgres'): string {
  // PGlite has one connection: no other transaction is open while this one reads.
  if (engine !== 'postgres') return `pg_snapshot_xmin(pg_current_snapshot())`;
  return `(WITH locks AS MATERIALIZED (
             SELECT locktype, mode, granted, pid, transactionid, database, classid, objid, objsubid FROM pg_locks),
           bystanders AS (
             SELECT t.transactionid::text::bigint AS xid32 FROM locks t
              WHERE t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
                AND NOT EXISTS (SELECT 1 FROM locks a
                                 WHERE a.pid = t.pid AND a.locktype = 'advisory' AND a.granted AND a.objsubid = 2
                                   AND a.classid = ${APPEND_LOCK_KEY}::oid AND a.objid = hashtext(current_schema())::oid
                                   AND a.database = (SELECT oid FROM pg_database WHERE datname = current_database())))
           SELECT least(pg_snapshot_xmax(snap.s),
                        (SELECT min(x) FROM pg_snapshot_xip(snap.s) x
                          WHERE (x::text::numeric % 4294967296)::bigint NOT IN (SELECT xid32 FROM bystanders)))
             FROM (SELECT pg_current_snapshot() AS s) snap)`;
}
