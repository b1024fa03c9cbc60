import type pg from 'pg';
import { StoreSaturatedError, StoreTimeoutError } from './errors';
import type { Statement, TransactionalExecutor } from './store';

/** The bounds of one pool, and the option that sets its size (named in errors). */
export interface PoolBounds {
  /** What the pool serves, for messages: `enqueue` or `workers`. */
  role: string;
  /** The option that sets `maxConnections`, e.g. `store.enqueueConnections`. */
  sizeOption: string;
  maxConnections: number;
  maxWaiting: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/** When the server last answered a statement, shared by the pools of one store. */
export interface ServerHealth {
  lastAnswerAt: number;
}

/**
 * Runs statements on `pool` with a bounded wait for a connection: once `maxWaiting` statements wait,
 * the next fails at once with a StoreSaturatedError, so that a flood costs a bounded memory. A wait
 * that outlasts `connectTimeoutMs` fails with a StoreSaturatedError when the server answered within
 * that time (the pool is too small for the load), else with a StoreTimeoutError (the server is down
 * or unreachable); a statement whose answer outlasts `queryTimeoutMs`, with a StoreTimeoutError.
 */
export function poolExecutor(
  pool: pg.Pool,
  bounds: PoolBounds,
  location: string,
  health: ServerHealth,
): TransactionalExecutor {
  const bounded = async <T>(run: () => Promise<T>): Promise<T> => {
    if (pool.waitingCount >= bounds.maxWaiting && isBusy(pool, bounds))
      throw new StoreSaturatedError(
        `${saturated(bounds, location)}: its ${bounds.maxConnections} connection(s) are busy and ` +
          `${bounds.maxWaiting} statements already wait for one (store.maxWaiting). ${NEXT_STEP(bounds)}`,
        bounds.sizeOption,
      );
    try {
      const result = await run();
      health.lastAnswerAt = Date.now();
      return result;
    } catch (error) {
      // An error with a severity and a SQLSTATE came from the server: it answers.
      if (typeof (error as { severity?: unknown }).severity === 'string') health.lastAnswerAt = Date.now();
      throw explain(error, bounds, location, health);
    }
  };
  return {
    executeSql: (text, values) => bounded(() => pool.query(text, values as unknown[])),
    executeInTransaction: (statements) => bounded(() => inTransaction(pool, statements)),
  };
}

/**
 * Runs the statements in one transaction on one connection of `pool`. A connection whose transaction
 * did not end cleanly (a statement not answered in time, a connection lost, a ROLLBACK that failed)
 * is destroyed, not given back to the pool: each wait stays within one `queryTimeoutMs`.
 */
async function inTransaction(pool: pg.Pool, statements: readonly Statement[]): Promise<void> {
  const client = await pool.connect();
  // While a connection is out of the pool, the pool does not listen for its errors: a backend
  // terminated between two statements would otherwise be an uncaught 'error' event.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    for (const { text, values } of statements) await client.query(text, values);
    await client.query('COMMIT');
  } catch (error) {
    // A statement the server refused (an ERROR) leaves the connection usable: ROLLBACK, and it goes back
    // to the pool. Any other failure (no answer within queryTimeoutMs, a lost or FATAL-ended connection)
    // leaves it in doubt, a statement maybe still running on it: destroyed at once, which ends its
    // transaction, rather than a ROLLBACK queued behind that statement, waited for as long again.
    if ((error as { severity?: unknown }).severity !== 'ERROR') onError(error as Error);
    if (!lost) await client.query('ROLLBACK').catch((rollbackError: Error) => onError(rollbackError));
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost ?? false);
  }
}

/** No idle connection, and no room for another: a statement would wait. */
function isBusy(pool: pg.Pool, bounds: PoolBounds): boolean {
  return pool.idleCount === 0 && pool.totalCount >= bounds.maxConnections;
}

/** node-postgres's own messages for its timeouts: a wait in the pool's queue, a new connection, an answer. */
const QUEUE_TIMEOUT = /^timeout exceeded when trying to connect$/;
const CONNECT_TIMEOUT = /due to connection timeout/;
const QUERY_TIMEOUT = /^Query read timeout$/;

const NEXT_STEP = (bounds: PoolBounds) =>
  `Nothing was written: retry later, or raise ${bounds.sizeOption} (the server's max_connections permitting)`;

function saturated(bounds: PoolBounds, location: string): string {
  return `The ${bounds.role} pool of PostgreSQL at ${location} is saturated`;
}

/** Rethrows a timeout of node-postgres as the error that says which bound was reached; else as is. */
function explain(error: unknown, bounds: PoolBounds, location: string, health: ServerHealth): unknown {
  const message = error instanceof Error ? error.message : '';
  if (QUERY_TIMEOUT.test(message))
    return new StoreTimeoutError(
      `PostgreSQL at ${location} did not answer within ${bounds.queryTimeoutMs} ms ` +
        '(store.queryTimeoutMs); the statement may or may not have been committed',
      { cause: error },
    );
  const answering = Date.now() - health.lastAnswerAt < bounds.connectTimeoutMs;
  if (QUEUE_TIMEOUT.test(message) && answering)
    return new StoreSaturatedError(
      `${saturated(bounds, location)}: none of its ${bounds.maxConnections} connection(s) ` +
        `(${bounds.sizeOption}) came free within ${bounds.connectTimeoutMs} ms (store.connectTimeoutMs) ` +
        `while the server answered. ${NEXT_STEP(bounds)}`,
      bounds.sizeOption,
      { cause: error },
    );
  if (QUEUE_TIMEOUT.test(message) || CONNECT_TIMEOUT.test(message))
    return new StoreTimeoutError(
      `PostgreSQL at ${location} did not answer within ${bounds.connectTimeoutMs} ms ` +
        '(store.connectTimeoutMs) with a connection',
      { cause: error },
    );
  return error;
}
