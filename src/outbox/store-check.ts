import { StoreDamagedError } from './errors';
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
