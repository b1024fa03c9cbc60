import { StoreUnavailableError } from './errors';
import type { SqlExecutor } from './store';

/**
 * Wraps a PostgreSQL store's executor so that a statement that failed because its connection was lost
 * (a restart, a terminated backend, a server still starting) is run again, with a growing delay, until
 * the server answers: a worker keeps the outcome of a job it has sent and records it within moments of
 * the server's return, instead of leaving the job `active` until pg-boss's expiry (which would send
 * it again), and `drain()` rides the hiccup out. Bounded: once the server has been away `withinMs`,
 * the statement fails with a StoreUnavailableError that names the store and the cause.
 *
 * Running a statement again is safe for every statement the outbox and pg-boss send: pg-boss fences
 * its completions and failures on the attempt it fetched, a job is queued under an id of its own (a
 * second insert is a conflict pg-boss ignores), and the outbox's writes set a value. A fetch whose
 * answer was lost leaves its jobs claimed; their lapsed heartbeat gives them back (see queue.ts).
 *
 * Other properties of `db` are kept: enqueueing keeps its own pool (store-postgres.ts), which reports a
 * lost connection to its caller (`committed: 'unknown'`, or `false` before a COMMIT was sent) rather
 * than riding it out.
 *
 * @param location The store, without a password, for the error message.
 * @param withinMs How long the server may be away before statements fail.
 */
export function reconnecting(db: SqlExecutor, location: string, withinMs: number): SqlExecutor {
  return {
    ...db,
    executeSql: (text, values) =>
      whileConnectionLost(
        () => db.executeSql(text, values),
        isConnectionLost,
        withinMs,
        (error) => unreachableFor(location, withinMs, error),
      ),
  };
}

/**
 * Opens a PostgreSQL store's outbox with `open` (which closes whatever it opened before it rejects),
 * and opens it again, with a growing delay, while it fails because a connection was lost (the open's
 * own statements, or its first connection: a restart, a terminated backend, a server still starting
 * or refusing connections), for up to `withinMs` from the first such failure. Every step of an open
 * may run again: each either reads, or writes under a lock what a second run finds done (pg-boss's
 * schema and queue, the pause table, the release-0.1 carry-over). Any other failure (credentials, a
 * missing database or queue, a damaged store) is thrown at once; a loss that outlasts the bound, as
 * the open said it (`store_unreachable`), else as a `store_unavailable` naming the store. `onLost`
 * hears of the first such failure, so that an open that waits is never silent.
 */
export function reopening<T>(
  open: () => Promise<T>,
  location: string,
  withinMs: number,
  onLost: (message: string) => void,
): Promise<T> {
  return whileConnectionLost(
    open,
    lostWhileOpening,
    withinMs,
    (error) => (error instanceof StoreUnavailableError ? error : unreachableFor(location, withinMs, error)),
    (error) =>
      onLost(
        `opening the store: no connection to PostgreSQL at ${location} ` +
          `(${describe(error instanceof StoreUnavailableError ? error.cause : error)}); trying again for up ` +
          `to ${withinMs} ms (store.connectTimeoutMs)`,
      ),
  );
}

/**
 * Runs `attempt` again, with a growing delay, while it fails with an error `lost` says is a lost
 * connection, until `withinMs` after the first such failure (which `onFirstLoss` hears of); then
 * throws `giveUp(error)`. Any other failure is thrown as it is, at once.
 */
async function whileConnectionLost<T>(
  attempt: () => Promise<T>,
  lost: (error: unknown) => boolean,
  withinMs: number,
  giveUp: (error: unknown) => unknown,
  onFirstLoss?: (error: unknown) => void,
): Promise<T> {
  let deadline: number | undefined;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!lost(error)) throw error;
      if (deadline === undefined) onFirstLoss?.(error);
      deadline ??= Date.now() + withinMs;
      const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** tries);
      if (Date.now() + delayMs > deadline) throw giveUp(error);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function unreachableFor(location: string, withinMs: number, error: unknown): StoreUnavailableError {
  return new StoreUnavailableError(
    'store_unavailable',
    `PostgreSQL at ${location} was unreachable for ${withinMs} ms (store.connectTimeoutMs): ${describe(error)}`,
    { cause: error },
  );
}

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 1000;

/**
 * SQLSTATEs of a connection the server ended or refused: class 08 (connection exception),
 * `admin_shutdown` (a terminated backend, a fast shutdown), `crash_shutdown`, `cannot_connect_now`
 * (starting up or shutting down). Their statement was rolled back, or never ran.
 */
const LOST_STATES = /^(08...|57P01|57P02|57P03)$/;
/** What node-postgres and the socket say when a connection broke or could not be opened. */
const LOST_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const LOST_MESSAGES = /Connection terminated|Client has encountered a connection error|not queryable/i;

/** Read by shape, not `instanceof`: the socket's errors may come from another realm. */
function isConnectionLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (LOST_STATES.test(code) || LOST_CODES.has(code))) return true;
  return typeof message === 'string' && LOST_MESSAGES.test(message);
}

/**
 * Whether an open failed because a connection was lost: as {@link isConnectionLost} says, also when
 * the open explained it (a StoreUnavailableError whose cause it is), but not when a statement already
 * rode it out for `store.connectTimeoutMs` (`store_unavailable`): the bound is spent.
 */
function lostWhileOpening(error: unknown): boolean {
  if (error instanceof StoreUnavailableError)
    return error.code !== 'store_unavailable' && isConnectionLost(error.cause);
  return isConnectionLost(error);
}

function describe(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return `${typeof code === 'string' ? `${code} ` : ''}${String(message)}`.slice(0, 200);
}
