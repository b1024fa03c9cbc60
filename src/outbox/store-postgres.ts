import { StoreTimeoutError } from './errors';
import { loadPg } from './load';
import { OUTBOX_DEFAULTS } from './options';
import { describeConnectionString, type OutboxStore } from './store';

/** A PostgreSQL store's settings, once validated. */
export interface ServerStoreSettings {
  connectionString: string;
  maxConnections: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/**
 * Opens a store on a PostgreSQL server through a node-postgres pool, shared by pg-boss and the
 * outbox. Fails at once, with the server's own message, when the server cannot be reached. Every wait
 * on the server is bounded: a connection by `connectTimeoutMs`, a statement's answer by
 * `queryTimeoutMs` (client-side), both failing with a StoreTimeoutError; TCP keepalive finds dead
 * connections. `close()` settles once each statement in flight has ended or timed out.
 */
export async function openServerStore(settings: ServerStoreSettings): Promise<OutboxStore> {
  const pg = await loadPg();
  const { connectionString, maxConnections, connectTimeoutMs, queryTimeoutMs } = settings;
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    application_name: 'digilocker-outbox',
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: OUTBOX_DEFAULTS.keepAliveInitialDelayMs,
  });
  // An idle connection that breaks is dropped by the pool; the next query opens another.
  pool.on('error', () => {});
  const location = describeConnectionString(connectionString);
  const explain = (error: unknown) => explainTimeout(error, location, settings);
  try {
    await pool.query('SELECT 1').catch(explain);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return {
    kind: 'postgres',
    location,
    db: { executeSql: (text, values) => pool.query(text, values as unknown[]).catch(explain) },
    close: () => pool.end(),
  };
}

/** node-postgres's own messages for its timeouts: waiting for a connection, or for an answer. */
const CONNECT_TIMEOUT = /timeout exceeded when trying to connect|due to connection timeout/;
const QUERY_TIMEOUT = /^Query read timeout$/;

/** Rethrows a timeout of node-postgres as a StoreTimeoutError that says which bound, else as is. */
function explainTimeout(error: unknown, location: string, settings: ServerStoreSettings): never {
  const message = error instanceof Error ? error.message : '';
  if (QUERY_TIMEOUT.test(message))
    throw new StoreTimeoutError(
      `PostgreSQL at ${location} did not answer within ${settings.queryTimeoutMs} ms ` +
        '(store.queryTimeoutMs); the statement may or may not have been committed',
      { cause: error },
    );
  if (CONNECT_TIMEOUT.test(message))
    throw new StoreTimeoutError(
      `PostgreSQL at ${location} did not answer within ${settings.connectTimeoutMs} ms ` +
        '(store.connectTimeoutMs) with a connection',
      { cause: error },
    );
  throw error;
}
