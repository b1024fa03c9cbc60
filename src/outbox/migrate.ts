/**
 * Carries a store made by release 0.1 (pg-boss 10, its schema version 24) over to pg-boss 12, which
 * cannot migrate a schema older than its version 25. Run on every open, it does nothing once done:
 *
 * 1. before pg-boss starts: the old schema is renamed `<schema>_v10` (one statement);
 * 2. once pg-boss has created its new schema and the queue: every job of the queue that had not
 *    ended (queued, retrying, dead; one left running by a process that died becomes a retry, due at
 *    once) is copied into the new job table with its id, payload, state, attempts and due time, and
 *    the old schema is dropped, in one transaction.
 *
 * The id is what binds a job's ciphertext, so a carried-over job still decrypts. Ended jobs (their
 * payload already wiped) are not carried over. Each step runs under an advisory lock, so instances
 * opening one PostgreSQL queue together do it once; a process that dies between the two steps leaves
 * `<schema>_v10`, which the next open copies from. They run once, on pg-boss 10's tables only (and a
 * read of its queue table first, see below).
 *
 * Only a schema of the outbox's own is carried over: one that holds another application's pg-boss 10
 * queues is refused unchanged (the copy drops the old schema whole), and step 2 copies from a
 * `<schema>_v10` only when step 1 marked it so.
 */
import { StoreDamagedError } from './errors';
import { QUEUE_NAME } from './queue';
import type { SqlExecutor } from './store';

/** pg-boss 10.x's schema version; pg-boss 12 starts from 25. */
const PG_BOSS_10_SCHEMA_VERSION = 24;

/** What step 1 writes on the schema it sets aside, and what step 2 requires of it. */
const SET_ASIDE_MARK = 'digilocker-revocation: a release 0.1 outbox queue, being carried over';

/**
 * Step 1: renames a pg-boss 10 schema out of pg-boss 12's way. `schema` is a checked identifier.
 * @throws StoreDamagedError, nothing changed, when the schema holds other pg-boss 10 queues.
 */
export async function setAsideVersion10Schema(
  db: SqlExecutor,
  schema: string,
  location: string,
): Promise<void> {
  await refuseSharedSchema(db, schema, location);
  await db.executeSql(`DO $$
    DECLARE found int;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${schema}.digilocker_migrate'));
      IF to_regclass('${schema}.version') IS NULL THEN RETURN; END IF;
      EXECUTE 'SELECT version FROM ${schema}.version' INTO found;
      IF found = ${PG_BOSS_10_SCHEMA_VERSION} AND to_regclass('${schema}_v10.job') IS NULL THEN
        ALTER SCHEMA ${schema} RENAME TO ${schema}_v10;
        COMMENT ON SCHEMA ${schema}_v10 IS '${SET_ASIDE_MARK}';
      ELSIF found < ${PG_BOSS_10_SCHEMA_VERSION} THEN
        RAISE EXCEPTION 'pg-boss schema % is at version %: only pg-boss 10 (version 24) is carried over', '${schema}', found;
      END IF;
    END $$`);
}

/** Step 2: copies the jobs that had not ended into pg-boss 12's table, then drops the old schema. */
export async function copyVersion10Jobs(db: SqlExecutor, schema: string): Promise<void> {
  const old = `${schema}_v10`;
  await db.executeSql(`DO $$
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${schema}.digilocker_migrate'));
      IF obj_description(to_regnamespace('${old}'), 'pg_namespace') IS DISTINCT FROM '${SET_ASIDE_MARK}' THEN
        RETURN;
      END IF;
      INSERT INTO ${schema}.job (id, name, priority, data, state, retry_limit, retry_count, retry_delay,
          retry_backoff, start_after, created_on, completed_on, keep_until, expire_seconds,
          deletion_seconds, output, policy)
        SELECT id, name, priority, data,
            (CASE WHEN state::text = 'active' THEN 'retry' ELSE state::text END)::${schema}.job_state,
            retry_limit, retry_count, 0, false,
            CASE WHEN state::text = 'active' THEN now() ELSE start_after END,
            created_on, completed_on, GREATEST(keep_until, now() + interval '7 days'),
            GREATEST(1, ceil(extract(epoch FROM expire_in))::int),
            GREATEST(60, ceil(extract(epoch FROM keep_until - created_on))::int),
            output, 'standard'
        FROM ${old}.job
        WHERE name = '${QUEUE_NAME}' AND state::text IN ('created', 'retry', 'active', 'failed')
        ON CONFLICT DO NOTHING;
      DROP SCHEMA ${old} CASCADE;
    END $$`);
}

/**
 * Refuses a pg-boss 10 schema that holds queues besides the outbox's: another application sharing it
 * would lose its jobs when the old schema is dropped. Reads nothing unless the schema is pg-boss 10's.
 */
async function refuseSharedSchema(db: SqlExecutor, schema: string, location: string): Promise<void> {
  const version10 = await db.executeSql(
    `SELECT to_regclass('${schema}.version') IS NOT NULL AND to_regclass('${schema}.queue') IS NOT NULL AS found`,
  );
  if (!version10.rows[0]?.found) return;
  const { rows } = await db.executeSql(
    `SELECT name FROM ${schema}.queue
      WHERE name <> $1 AND (SELECT max(version) FROM ${schema}.version) = ${PG_BOSS_10_SCHEMA_VERSION}
      ORDER BY 1 LIMIT 6`,
    [QUEUE_NAME],
  );
  if (rows.length === 0) return;
  const names = rows.slice(0, 5).map((row: { name: string }) => JSON.stringify(row.name));
  throw new StoreDamagedError(
    `The outbox store ${location} cannot be carried over from release 0.1: its pg-boss 10 schema ` +
      `"${schema}" also holds the queues ${names.join(', ')}${rows.length > 5 ? ', ...' : ''} of another ` +
      'application, which carrying it over would delete. Nothing was changed: see "Upgrading from ' +
      'release 0.1" in docs/outbox.md',
  );
}
