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
    executeInTransaction: (statements) => bounded(() => inTransaction(pool, statements, bounds, location)),
  };
}

/**
 * The store's own transaction failed before its COMMIT was sent (`cause`: a lost connection, a
 * timeout; not an answer of the server), so nothing of it was committed. See {@link inTransaction}.
 */
export class NotCommittedError extends Error {}

/** A {@link NotCommittedError} that says why the transaction ended before its COMMIT. */
function notCommitted(error: unknown, bounds: PoolBounds, location: string): NotCommittedError {
  const message = String((error as { message?: unknown } | null)?.message).slice(0, 200);
  const why = QUERY_TIMEOUT.test(message)
    ? `${noAnswer(bounds, location)} before COMMIT was sent, and the connection was closed`
    : `the connection to the database was lost (${message}) before COMMIT was sent`;
  return new NotCommittedError(`${why}: PostgreSQL rolls back a transaction without its COMMIT`, {
    cause: error,
  });
}

/**
 * Runs the statements in one transaction on one connection of `pool`. A connection whose transaction
 * did not end cleanly (a statement not answered in time, a connection lost, a ROLLBACK that failed)
 * is destroyed, not given back to the pool: each wait stays within one `queryTimeoutMs`.
 *
 * What a failure committed: an error the server sent (it has a `severity`) is thrown as it is: it
 * says itself that its statement failed. Any other failure (a lost connection, a timeout: the
 * connection is then gone) before COMMIT was handed to the connection is thrown as a
 * {@link NotCommittedError}: PostgreSQL commits a transaction on its COMMIT only, and rolls it back
 * once its connection is gone. From then on, as it is: the COMMIT may have reached the server, and
 * been carried out, without its answer reaching us (one lost on its way is reported so too).
 */
async function inTransaction(
  pool: pg.Pool,
  statements: readonly Statement[],
  bounds: PoolBounds,
  location: string,
): Promise<void> {
  // While a connection is out of the pool, the pool does not listen for its errors: a backend
  // terminated between two statements would otherwise be an uncaught 'error' event, which ends the
  // process. So the listener goes on in connect's callback, which the pool calls as it hands the
  // connection out: an awaited connect() resumes a moment later, after an error read in the same chunk
  // as the connection's readiness (a backend terminated as it starts) has already been emitted.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  const client = await new Promise<pg.PoolClient>((resolve, reject) =>
    pool.connect((error, connected) => {
      if (error || !connected) return reject(error);
      connected.on('error', onError);
      resolve(connected);
    }),
  );
  let commitSent = false;
  try {
    await client.query('BEGIN');
    for (const { text, values } of statements) await client.query(text, values);
    if (lost) throw lost; // a COMMIT on a lost connection would not be sent
    commitSent = true;
    await client.query('COMMIT');
  } catch (error) {
    // A statement the server refused (an ERROR) leaves the connection usable: ROLLBACK, and it goes back
    // to the pool. Any other failure (no answer within queryTimeoutMs, a lost or FATAL-ended connection)
    // leaves it in doubt, a statement maybe still running on it: destroyed at once, which ends its
    // transaction, rather than a ROLLBACK queued behind that statement, waited for as long again.
    const { severity } = error as { severity?: unknown };
    if (severity !== 'ERROR') onError(error as Error);
    if (!lost) await client.query('ROLLBACK').catch((rollbackError: Error) => onError(rollbackError));
    // The connection's own error says why better than node-postgres's "not queryable" that follows it.
    const cause = lost ?? error;
    throw commitSent || typeof severity === 'string' ? error : notCommitted(cause, bounds, location);
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

function noAnswer(bounds: PoolBounds, location: string): string {
  return `PostgreSQL at ${location} did not answer within ${bounds.queryTimeoutMs} ms (store.queryTimeoutMs)`;
}

function saturated(bounds: PoolBounds, location: string): string {
  return `The ${bounds.role} pool of PostgreSQL at ${location} is saturated`;
}

/** Rethrows a timeout of node-postgres as the error that says which bound was reached; else as is. */
function explain(error: unknown, bounds: PoolBounds, location: string, health: ServerHealth): unknown {
  if (error instanceof NotCommittedError) return error; // explained already
  const message = error instanceof Error ? error.message : '';
  if (QUERY_TIMEOUT.test(message))
    return new StoreTimeoutError(
      `${noAnswer(bounds, location)}; the statement may or may not have been committed`,
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
