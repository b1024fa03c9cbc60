import type { Db, PgBoss } from 'pg-boss';
import { copyVersion10Jobs, setAsideVersion10Schema } from './migrate';
import { MAX_JOB_LIFETIME_SECONDS, type NormalizedOutboxOptions } from './options';
import { reconnecting } from './reconnect';
import type { OutboxStore, SqlExecutor } from './store';

/** The pg-boss queue that holds the revocation jobs. */
export const QUEUE_NAME = 'digilocker-revocation';

/**
 * A pg-boss job's retry limit: in effect none. A job is retried, after pg-boss's backoff, until its
 * `expiresAt` (a run then ends it `expired`); it goes to the dead state only when a run says so (a
 * `deadletter` result, see runner.ts).
 */
export const NO_RETRY_LIMIT = 1_000_000;

/**
 * pg-boss's heartbeat of running jobs, in seconds (its minimum): a worker refreshes its jobs' every
 * half of it, so a job whose process died (SIGKILL, a lost machine), or whose claim was lost with a
 * connection, is run again after it and the next look (every as many seconds), instead of after its
 * expiry (`jobTimeoutSeconds`).
 */
const HEARTBEAT_SECONDS = 10;

/** pg-boss started on a store, with the outbox's queue created. */
export interface Queue {
  readonly boss: PgBoss;
  readonly db: SqlExecutor;
  /** `"schema".job`, the table of pg-boss's jobs (every queue's). */
  readonly jobTable: string;
  readonly name: string;
}

/**
 * Starts pg-boss on the store (creating or migrating its schema; a release 0.1 store is carried over,
 * see migrate.ts) with its maintenance on: expiring jobs whose worker vanished, deleting ended jobs.
 */
export async function startQueue(
  PgBossClass: typeof PgBoss,
  store: OutboxStore,
  options: NormalizedOutboxOptions,
  onError: (error: Error) => void,
): Promise<Queue> {
  const db = resilientDb(store, options);
  const boss = new PgBossClass({
    db: db as Db,
    schema: options.schema,
    supervise: true,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: 60,
    // How often jobs whose heartbeat lapsed (or that expired) are looked for: see HEARTBEAT_SECONDS.
    superviseIntervalSeconds: HEARTBEAT_SECONDS,
    monitorIntervalSeconds: HEARTBEAT_SECONDS,
    // The enqueuing request's trace context travels with the job, so that its process span continues
    // that trace (nothing happens unless an OpenTelemetry SDK is registered).
    openTelemetry: { propagateContext: true },
    ...(store.kind === 'embedded' ? { backend: 'pglite' as const } : {}),
  });
  boss.on('error', onError);
  await setAsideVersion10Schema(store.db, options.schema, store.location);
  try {
    await boss.start();
    await boss.createQueue(QUEUE_NAME, {
      policy: 'standard',
      retryLimit: NO_RETRY_LIMIT,
      expireInSeconds: options.jobTimeoutSeconds,
      // The queue's defaults: each job sets its own from its expiry (see enqueue.ts).
      retentionSeconds: MAX_JOB_LIFETIME_SECONDS,
      deleteAfterSeconds: MAX_JOB_LIFETIME_SECONDS,
      heartbeatSeconds: HEARTBEAT_SECONDS,
    });
    // A queue made before heartbeats: its new jobs get one too.
    await boss.updateQueue(QUEUE_NAME, { heartbeatSeconds: HEARTBEAT_SECONDS });
    await copyVersion10Jobs(store.db, options.schema);
  } catch (error) {
    // A started pg-boss keeps its timers (maintenance, monitoring, heartbeats) until it is stopped: an
    // open that failed must not keep the process alive.
    await boss.stop({ graceful: false, close: false }).catch(() => {});
    throw error;
  }
  return {
    boss,
    db,
    jobTable: `${options.schema}.job`,
    name: QUEUE_NAME,
  };
}

/**
 * A server store's executor that rides out a lost connection for up to `store.connectTimeoutMs` (see
 * reconnect.ts), shared by pg-boss and the outbox's own statements. The embedded store has no
 * connection to lose.
 */
function resilientDb(store: OutboxStore, options: NormalizedOutboxOptions): SqlExecutor {
  if ('directory' in options.store) return store.db;
  return reconnecting(store.db, store.location, options.store.connectTimeoutMs);
}
