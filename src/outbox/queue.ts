import type PgBoss from 'pg-boss';
import type { NormalizedOutboxOptions } from './options';
import type { OutboxStore, SqlExecutor } from './store';

/** The pg-boss queue that holds the revocation jobs. */
export const QUEUE_NAME = 'digilocker-revocation';

/**
 * A pg-boss job's retry limit: in effect none. A job is retried until its `expiresAt` (the outbox
 * computes each delay itself); it goes to the dead state only when the outbox lowers the limit.
 */
export const NO_RETRY_LIMIT = 1_000_000;

/** pg-boss started on a store, with the outbox's queue created. */
export interface Queue {
  readonly boss: PgBoss;
  readonly db: SqlExecutor;
  /** `"schema".job`, the table of pending and recent jobs. */
  readonly jobTable: string;
  /** `"schema".archive`, where pg-boss moves ended jobs before deleting them. */
  readonly archiveTable: string;
  readonly name: string;
  /** `"schema".j…`, the job table's partition that holds this queue (pg-boss 10: one per queue). */
  readonly partitionTable: string;
  /** True on the embedded store: one connection, so statements run one at a time. */
  readonly singleConnection: boolean;
}

/**
 * Starts pg-boss on the store (creating or migrating its schema) with its maintenance on: expiring jobs
 * whose worker vanished, archiving completed jobs after 12 hours and deleting them 7 days later.
 */
export async function startQueue(
  PgBossClass: typeof PgBoss,
  store: OutboxStore,
  options: NormalizedOutboxOptions,
  onError: (error: Error) => void,
): Promise<Queue> {
  const boss = new PgBossClass({
    db: store.db as PgBoss.Db,
    schema: options.schema,
    supervise: true,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: 60,
    archiveCompletedAfterSeconds: 12 * 3600,
    // Dead jobs stay in the job table (where retryDead and purgeDead find them) until one of those.
    archiveFailedAfterSeconds: 366 * 86_400,
    deleteAfterDays: 7,
  });
  boss.on('error', onError);
  await boss.start();
  await boss.createQueue(QUEUE_NAME, {
    name: QUEUE_NAME,
    policy: 'standard',
    retryLimit: NO_RETRY_LIMIT,
    expireInSeconds: options.jobTimeoutSeconds,
  });
  const partitionTable = await addFetchOrderIndex(store.db, options.schema);
  return {
    boss,
    db: store.db,
    jobTable: `${options.schema}.job`,
    archiveTable: `${options.schema}.archive`,
    name: QUEUE_NAME,
    singleConnection: store.kind === 'embedded',
    partitionTable,
  };
}

/**
 * pg-boss 10's fetch takes the first due jobs in the order `priority DESC, created_on, id`, and its
 * own index (`job_i5`: name, start_after) does not hold that order: each fetch read and sorted every
 * waiting job (16 ms with 6,000 waiting, in a statement that holds row locks). This partial index on
 * the queue's partition holds that order, so that a fetch reads the jobs it takes and stops (0.4 ms).
 * Created once, under an advisory lock (instances opening together), with IF NOT EXISTS; on a queue
 * that already holds many jobs, the first open after an upgrade builds it while enqueues wait.
 * Resolves with the partition's qualified name.
 */
async function addFetchOrderIndex(db: SqlExecutor, schema: string): Promise<string> {
  const { rows } = await db.executeSql(`SELECT partition_name FROM ${schema}.queue WHERE name = $1`, [
    QUEUE_NAME,
  ]);
  const partition = String(rows[0]?.partition_name ?? '');
  // pg-boss names it 'j' and the SHA-224 of the queue's name in hex: safe to write into SQL.
  if (!/^j[0-9a-f]{56}$/.test(partition)) throw new Error(`unexpected pg-boss partition: ${partition}`);
  await db.executeSql(
    `DO $$ BEGIN
       PERFORM pg_advisory_xact_lock(hashtext('${schema}.digilocker_fetch_order'));
       CREATE INDEX IF NOT EXISTS ${partition}_dl1 ON ${schema}.${partition}
         (name, priority DESC, created_on, id) WHERE state < 'active';
     END $$`,
  );
  return `${schema}.${partition}`;
}
