import { assertCharacters, assertKnownKeys, describeType, rangeError, typeError } from '../validate';
import { MAX_JOB_LIFETIME_SECONDS } from './options';
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
   * An `enqueueBatch` of more than 500 sign-outs (several statements) requires one in a transaction.
   */
  db?:
    | {
        /** Runs one statement with its parameters, as `pg`'s `query` does. */
        query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
      }
    | SqlExecutor;
}

/** Validated enqueue options: the expiry as epoch ms, the reference and the executor to use. */
export interface CheckedEnqueueOptions {
  expiresAtMs: number;
  /** True when no `expiresAt` was given (a job with only an access token then lives an hour). */
  defaultExpiry: boolean;
  ref: string | undefined;
  db: SqlExecutor | undefined;
}

/**
 * Validates `enqueue`'s options; `defaultExpiresMs` is used when none is given.
 * @throws {InputTypeError} an option of the wrong type, or unknown (`code: 'invalid_option'`, `input`
 *   naming it).
 * @throws {InputRangeError} `expiresAt` not in the future or more than 366 days ahead, a `ref` too long,
 *   with control characters or half a surrogate pair (same `code` and `input`).
 */
export function checkEnqueueOptions(
  options: unknown,
  defaultExpiresMs: number,
  nowMs: number,
): CheckedEnqueueOptions {
  if (options === null || typeof options !== 'object') throw typeError('options', 'must be an object');
  assertKnownKeys(options, KNOWN);
  const { expiresAt, ref, db } = options as EnqueueOptions;
  return {
    expiresAtMs: expiresAt === undefined ? defaultExpiresMs : expiresAtMsOf(expiresAt, nowMs),
    defaultExpiry: expiresAt === undefined,
    ref: refOf(ref),
    db: db === undefined ? undefined : executorOf(db),
  };
}

const KNOWN = new Set(['expiresAt', 'ref', 'db']);

function expiresAtMsOf(expiresAt: unknown, nowMs: number): number {
  const ms = expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw typeError('expiresAt', 'must be a valid Date or epoch milliseconds');
  if (ms <= nowMs) throw rangeError('expiresAt', 'must be in the future');
  if (ms > nowMs + MAX_JOB_LIFETIME_SECONDS * 1000)
    throw rangeError('expiresAt', 'must be at most 366 days ahead');
  return ms;
}

function refOf(ref: unknown): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref !== 'string') throw typeError('ref', `must be a string, got ${describeType(ref)}`);
  if (ref.length > 200) throw rangeError('ref', 'must be at most 200 characters');
  assertCharacters('ref', ref);
  return ref;
}

function executorOf(db: NonNullable<EnqueueOptions['db']>): SqlExecutor {
  if (db !== null && typeof db === 'object') {
    if ('executeSql' in db && typeof db.executeSql === 'function') return db;
    if ('query' in db && typeof db.query === 'function')
      return {
        executeSql: (text, values) => db.query(text, values) as ReturnType<SqlExecutor['executeSql']>,
      };
  }
  throw typeError('db', 'must be a connection with query(text, values), e.g. a pg PoolClient');
}
