import { StoreDamagedError, StoreNotFoundError } from './errors';
import { QUEUE_NAME } from './queue';
import type { OutboxStore } from './store';

/**
 * Reads every job of the queue through the job table's primary key before pg-boss starts. A
 * truncated table file (a copy cut short, a bad disk) is not an error to a sequential scan, which
 * simply sees fewer rows; an index entry that points past the end of the file is, so the queue is
 * reported damaged instead of opening with jobs silently missing. It costs one index scan of the
 * queue's rows, at open only. `schema` is a checked identifier.
 * @throws StoreDamagedError naming the store when a job cannot be read.
 */
export async function assertJobsReadable(store: OutboxStore, schema: string): Promise<void> {
  const exists = await store.db.executeSql(`SELECT to_regclass('${schema}.job') IS NOT NULL AS found`);
  if (!exists.rows[0]?.found) return;
  try {
    // The settings last for this transaction only; the ORDER BY is what makes the primary key the path.
    await store.db.executeSql(`BEGIN;
      SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexonlyscan = off;
      SELECT count(*) FROM (SELECT id FROM ${schema}.job WHERE name = '${QUEUE_NAME}' ORDER BY name, id) AS jobs;
      COMMIT;`);
  } catch (error) {
    await store.db.executeSql('ROLLBACK').catch(() => {});
    const cause = error instanceof Error ? error.message.slice(0, 200) : String(error);
    throw new StoreDamagedError(
      `The outbox store ${store.location} is damaged: its job table cannot be read (${cause}). Nothing ` +
        'was changed: restore it from a backup (jobs missing from a damaged table cannot be listed)',
      { cause: error },
    );
  }
}

/**
 * For `store.create: false` (the CLI's commands that work an existing queue): refuses a store with no
 * queue in `schema` (a mistyped `--schema`, or a database that never held one) before pg-boss would
 * create its tables there. Reads PostgreSQL's catalog only.
 * @throws StoreNotFoundError naming the store and the schema.
 */
export async function assertQueueExists(store: OutboxStore, schema: string): Promise<void> {
  // pg-boss's job table, not the schema alone: a schema may exist without a queue in it.
  const found = await store.db.executeSql("SELECT to_regclass($1::text || '.job') IS NOT NULL AS found", [
    schema,
  ]);
  if (found.rows[0]?.found) return;
  throw new StoreNotFoundError(
    `The outbox store ${store.location} has no queue in schema "${schema}": check the schema ` +
      '(--schema, DIGILOCKER_OUTBOX_SCHEMA) and the store; nothing was created',
  );
}

/**
 * Embedded store only: refuses a database that holds a relation outside the outbox's own schemas
 * (pg-boss's `schema`, `<schema>_pause`, and `<schema>_v10` of a release-0.1 store being carried
 * over), PostgreSQL's aside: another application's PGlite database, opened here, would otherwise get
 * pg-boss's tables and the pause's added to it. An empty database (a first open killed after PGlite
 * created it) opens as a new store. Reads PostgreSQL's catalog only, before pg-boss starts.
 * `schema` is a checked identifier.
 * @throws StoreDamagedError naming the store and the first relations found.
 */
export async function assertOnlyOutboxSchemas(store: OutboxStore, schema: string): Promise<void> {
  const { rows } = await store.db.executeSql(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname::text NOT IN ('pg_catalog', 'information_schema', $1::text, $1::text || '_pause', $1::text || '_v10')
       AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1 LIMIT ${SHOWN + 1}`,
    [schema],
  );
  if (rows.length === 0) return;
  const names = rows.slice(0, SHOWN).map((row) => String((row as { name: unknown }).name));
  const shown = names.join(', ') + (rows.length > SHOWN ? ', ...' : '');
  throw new StoreDamagedError(
    `The outbox store ${store.location} is not an outbox store, or not one of schema "${schema}": its ` +
      `database holds ${shown}. Nothing was changed: give an empty or new directory (or, for an ` +
      'outbox store made with another schema, that schema)',
  );
}

/** How many relations the refusal of a foreign database names. */
const SHOWN = 5;
