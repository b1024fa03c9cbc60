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
  return {
    boss,
    db: store.db,
    jobTable: `${options.schema}.job`,
    archiveTable: `${options.schema}.archive`,
    name: QUEUE_NAME,
    singleConnection: store.kind === 'embedded',
  };
}
