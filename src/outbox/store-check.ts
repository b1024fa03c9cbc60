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
  const found = await store.db.executeSql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (found.rows.length > 0) return;
  throw new StoreNotFoundError(
    `The outbox store ${store.location} has no queue in schema "${schema}": check the schema ` +
      '(--schema, DIGILOCKER_OUTBOX_SCHEMA) and the store; nothing was created',
  );
}
