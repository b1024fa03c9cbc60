import type pg from 'pg';
import { loadPg } from './load';
import { explainOpenFailure } from './open-failure';
import { OUTBOX_DEFAULTS } from './options';
import { type PoolBounds, poolExecutor, type ServerHealth } from './pool-executor';
import {
  describeConnectionString,
  type OutboxStore,
  type SqlExecutor,
  type TransactionalExecutor,
} from './store';

/** A PostgreSQL store's settings, once validated (see StoreOptions). */
export interface ServerStoreSettings {
  connectionString: string;
  /** Whether the queue's schema may be created (see open.ts): the store itself never creates one. */
  create: boolean;
  maxConnections: number;
  enqueueConnections: number;
  maxWaiting: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/** The executor of a PostgreSQL store: pg-boss's, with the enqueue pool's beside it. */
interface ServerExecutor extends SqlExecutor {
  /** Runs `enqueue` and `enqueueBatch` on a pool of their own. */
  readonly enqueueDb: TransactionalExecutor;
}

/**
 * Opens a store on a PostgreSQL server through two node-postgres pools: one for pg-boss (workers,
 * maintenance, stats, operator commands), one for enqueueing, so that neither can starve the other.
 * Fails at once, with a StoreUnavailableError naming the server, the cause and the next step, when
 * the server cannot be reached or refuses the connection. Every wait is bounded: a connection by
 * `connectTimeoutMs`, a statement's answer by `queryTimeoutMs` (client-side), the statements waiting
 * for a connection by `maxWaiting` (see poolExecutor); TCP keepalive finds dead connections.
 * `close()` settles once each statement in flight has ended or timed out.
 *
 * @throws {StoreUnavailableError} the server is unreachable or refused the connection.
 * @throws {StoreTimeoutError} the server did not answer within `connectTimeoutMs`.
 */
export async function openServerStore(settings: ServerStoreSettings): Promise<OutboxStore> {
  const pg = await loadPg();
  const location = describeConnectionString(settings.connectionString);
  const health: ServerHealth = { lastAnswerAt: 0 };
  const open = (role: string, sizeOption: string, maxConnections: number) => {
    const pool = newPool(pg, settings, maxConnections);
    const bounds: PoolBounds = { ...settings, role, sizeOption, maxConnections };
    return { pool, db: poolExecutor(pool, bounds, location, health) };
  };
  const workers = open('workers', 'store.maxConnections', settings.maxConnections);
  const enqueue = open('enqueue', 'store.enqueueConnections', settings.enqueueConnections);
  const close = async () => {
    await Promise.all([workers.pool.end(), enqueue.pool.end()]);
  };
  try {
    await workers.db.executeSql('SELECT 1');
  } catch (error) {
    await close().catch(() => {});
    throw explainOpenFailure(error, settings.connectionString, location);
  }
  const db: ServerExecutor = { executeSql: workers.db.executeSql, enqueueDb: enqueue.db };
  return { kind: 'postgres', location, db, close };
}

/** The executor for enqueueing on `db`'s store: its own pool on a server, else `undefined` (pg-boss's). */
export function enqueueExecutorOf(db: SqlExecutor): TransactionalExecutor | undefined {
  return (db as Partial<ServerExecutor>).enqueueDb;
}

function newPool(module: typeof pg, settings: ServerStoreSettings, max: number): pg.Pool {
  const pool = new module.Pool({
    connectionString: settings.connectionString,
    max,
    application_name: 'digilocker-outbox',
    connectionTimeoutMillis: settings.connectTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: OUTBOX_DEFAULTS.keepAliveInitialDelayMs,
  });
  // An idle connection that breaks is dropped by the pool; the next query opens another.
  pool.on('error', () => {});
  return pool;
}
