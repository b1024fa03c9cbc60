import type { SignOutTokens } from '../results';
import { assertToken, CONTROL_CHARACTER } from '../validate';
import type { SqlExecutor } from './store';

/** Options of one `enqueue`. */
export interface EnqueueOptions {
  /**
   * When to give up: the job then ends `expired` without a request. A Date or epoch milliseconds, in
   * the future, at most 366 days ahead.
   * @default now + defaultExpiresInSeconds (30 days), or + 3600 s when only an access token is given
   */
  expiresAt?: Date | number;
  /** Your reference (e.g. a user id), stored in clear beside the job and given back in events: never a secret. At most 200 characters. */
  ref?: string;
  /**
   * PostgreSQL store only: a connection inside your transaction (a node-postgres client, or anything
   * with `query(text, values)`), so that the job commits or rolls back with your session delete.
   */
  db?:
    | {
        /** Runs one statement with its parameters, as `pg`'s `query` does. */
        query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
      }
    | SqlExecutor;
}

const MAX_AHEAD_MS = 366 * 86_400_000;

/**
 * Throws a TypeError or RangeError unless `tokens` is what `signOut` accepts. Other properties (an
 * `idToken` from the same token set) are ignored, as `signOut` ignores them: only the access and
 * refresh tokens are stored.
 */
export function assertSignOutTokens(tokens: unknown): asserts tokens is SignOutTokens {
  if (tokens === null || typeof tokens !== 'object' || Array.isArray(tokens))
    throw new TypeError('enqueue(tokens): tokens must be an object { accessToken?, refreshToken? }');
  const { accessToken, refreshToken } = tokens as SignOutTokens;
  if (accessToken === undefined && refreshToken === undefined)
    throw new TypeError('enqueue(tokens): give accessToken, refreshToken or both');
  if (refreshToken !== undefined) assertToken(refreshToken, 'refreshToken');
  if (accessToken !== undefined) assertToken(accessToken, 'accessToken');
}

/** Validated enqueue options: the expiry as epoch ms, the reference and the executor to use. */
export interface CheckedEnqueueOptions {
  expiresAtMs: number;
  /** True when no `expiresAt` was given (a job with only an access token then lives an hour). */
  defaultExpiry: boolean;
  ref: string | undefined;
  db: SqlExecutor | undefined;
}

/** Validates `enqueue`'s options; `defaultExpiresMs` is used when none is given. */
export function checkEnqueueOptions(
  options: unknown,
  defaultExpiresMs: number,
  nowMs: number,
): CheckedEnqueueOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('enqueue: options must be an object');
  const { expiresAt, ref, db, ...rest } = options as EnqueueOptions;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new TypeError(`enqueue: unknown option "${unknown.slice(0, 40)}"`);
  let expiresAtMs = defaultExpiresMs;
  if (expiresAt !== undefined) {
    expiresAtMs = expiresAt instanceof Date ? expiresAt.getTime() : (expiresAt as number);
    if (typeof expiresAtMs !== 'number' || !Number.isFinite(expiresAtMs))
      throw new TypeError('enqueue: expiresAt must be a valid Date or epoch milliseconds');
    if (expiresAtMs <= nowMs) throw new RangeError('enqueue: expiresAt must be in the future');
    if (expiresAtMs > nowMs + MAX_AHEAD_MS)
      throw new RangeError('enqueue: expiresAt must be at most 366 days ahead');
  }
  if (ref !== undefined && (typeof ref !== 'string' || ref.length > 200 || CONTROL_CHARACTER.test(ref)))
    throw new TypeError('enqueue: ref must be a string of at most 200 characters without control characters');
  return {
    expiresAtMs,
    defaultExpiry: expiresAt === undefined,
    ref,
    db: db === undefined ? undefined : executorOf(db),
  };
}

function executorOf(db: NonNullable<EnqueueOptions['db']>): SqlExecutor {
  if (db !== null && typeof db === 'object') {
    if ('executeSql' in db && typeof db.executeSql === 'function') return db;
    if ('query' in db && typeof db.query === 'function')
      return {
        executeSql: (text, values) => db.query(text, values) as ReturnType<SqlExecutor['executeSql']>,
      };
  }
  throw new TypeError('enqueue: db must be a connection with query(text, values), e.g. a pg PoolClient');
}
