import type { RevocationClient } from '../client';
import {
  assertKnownKeys,
  describeType,
  integerInRange,
  optionalFunction,
  rangeError,
  typeError,
} from '../validate';
import type { EncryptionKey } from './crypto';
import type { OutboxEvent } from './events';
import { schemaName } from './schema-name';
import type { StoreOptions } from './store';
import { normalizeStore, type StoreSettings } from './store-options';

/** The defaults of the outbox's options. */
export const OUTBOX_DEFAULTS = {
  /** Jobs worked on at once by one instance. */
  concurrency: 8,
  /** How long a job given a refresh token is kept trying: 30 days. */
  expiresInSeconds: 30 * 24 * 3600,
  /** How long a job given only an access token is kept trying: an access token's lifetime. */
  accessTokenExpiresInSeconds: 3600,
  /** The delay after a job's first failed attempt. */
  minRetryDelaySeconds: 5,
  /** The longest delay between two attempts of a job. */
  maxRetryDelaySeconds: 3600,
  /** How often idle workers look for jobs that became due. */
  pollIntervalMs: 1000,
  /** The longest a job may run (a job whose process died is given back sooner: see the option). */
  jobTimeoutSeconds: 180,
  /** The longest this instance pauses on a 429's Retry-After. */
  maxRateLimitPauseMs: 10 * 60_000,
  /** The PostgreSQL schema of pg-boss's tables. */
  schema: 'digilocker_outbox',
  /** Connections to a PostgreSQL server for pg-boss: the workers, maintenance, stats. */
  maxConnections: 10,
  /**
   * Connections to a PostgreSQL server for `enqueue` and `enqueueBatch` (a pool of their own, so that
   * neither side can starve the other): one short statement each, so a few carry a heavy load.
   */
  enqueueConnections: 4,
  /**
   * Statements that may wait for a free connection of one pool; the next fails at once with a
   * StoreSaturatedError. Bounds the memory a flood of calls can take while the pool is busy.
   */
  maxWaiting: 1000,
  /** The longest wait for a connection to a PostgreSQL server (opening one, or a free one in the pool). */
  connectTimeoutMs: 10_000,
  /**
   * The longest wait for a PostgreSQL server's answer to one statement (client-side: a server that
   * stops answering, e.g. a network partition, fails the statement instead of hanging it).
   */
  queryTimeoutMs: 30_000,
  /** TCP keepalive on connections to a PostgreSQL server: first probe after this idle time. */
  keepAliveInitialDelayMs: 10_000,
} as const;

/**
 * The longest a job may live, 366 days: the furthest `expiresAt` (enqueue's option), the most
 * `defaultExpiresInSeconds` may be, and so how long the queue keeps a job unless the job says less.
 */
export const MAX_JOB_LIFETIME_SECONDS = 366 * 86_400;

/** The delays between a job's attempts (pg-boss's exponential backoff with jitter, capped). */
export interface BackoffPolicy {
  /** The delay after the first failed attempt, in seconds. */
  minDelaySeconds: number;
  /** The longest delay, in seconds. */
  maxDelaySeconds: number;
}

/** Options of {@link openRevocationOutbox}. */
export interface RevocationOutboxOptions {
  /** The client that revokes; needed by `start()` and `drain()`, not by `enqueue()` or `stats()`. */
  client?: RevocationClient;
  /** Where jobs are kept: `{ directory }` (embedded PGlite) or `{ connectionString }` (PostgreSQL). */
  store: StoreOptions;
  /**
   * 256-bit keys (base64, hex, or 32 bytes): the first encrypts new jobs, all decrypt (rotation).
   * A job sealed with a key that is not here waits, unsent, for an instance that holds it; a lost
   * key's jobs are listed by `jobsByKey()` and deleted by `purgeKey()`.
   * Left out, the outbox is for an operator without the keys: `stats()`, `resume()`, `retryDead()`,
   * `purgeDead()`, `jobsByKey()` (every key `held: false`) and `purgeKey()` (any key id) work; `enqueue`,
   * `enqueueBatch`, `start()` and `drain()` throw an OutboxStateError (`no_keys`) before any statement.
   * An empty array or `undefined` given for it is refused (a list that came out empty, an unset variable).
   * @default none: administration only
   */
  encryptionKeys?: readonly EncryptionKey[];
  /**
   * Requests to DigiLocker in flight at once from this instance (1-256). The workers hold up to one
   * batch of jobs more (at most 4), fetched while the others are sent.
   * @default 8
   */
  concurrency?: number;
  /**
   * Receives events (see {@link OutboxEvent}); an exception it throws, or a promise it returns that
   * rejects, is ignored (a failing logger must not stop the queue).
   */
  onEvent?: (event: OutboxEvent) => void;
  /**
   * How long a job is kept trying when `enqueue` is given no `expiresAt`, in seconds; a job with only
   * an access token uses 3600 (its lifetime) instead.
   * @default 2592000 (30 days)
   */
  defaultExpiresInSeconds?: number;
  /**
   * The delays between a job's attempts, in seconds: pg-boss's exponential backoff from
   * `minDelaySeconds`, capped at `maxDelaySeconds`, with jitter. Set per job when it is queued.
   * @default { minDelaySeconds: 5, maxDelaySeconds: 3600 }
   */
  retry?: Partial<BackoffPolicy>;
  /**
   * How often each instance reads the pause, and idle workers look for due jobs, in milliseconds
   * (100-60000). Workers look at most every 500 ms (pg-boss's shortest polling interval).
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * The longest a job may run, in seconds, its wait for a request slot included; past it pg-boss
   * fails the attempt and the job is retried. A job whose process died is given back sooner, when its
   * heartbeat lapses (about 30 s), or on the embedded store at once when the next process opens it.
   * Keep it above twice the client's longest call (two tokens, each up to its `retry.maxElapsedMs`):
   * a job fetched ahead waits for a request slot up to one call before its own.
   * @default 180
   */
  jobTimeoutSeconds?: number;
  /**
   * The longest pause of every instance on the queue after a 429 (its Retry-After), in milliseconds.
   * @default 600000
   */
  maxRateLimitPauseMs?: number;
  /**
   * A non-secret name of the client credentials in use (e.g. a hash of the client id and secret, or a
   * version), never the secret itself. A pause for refused credentials (`invalid_client`) set by an
   * instance ends for instances whose `credentialsId` differs; without one, only `resume()` ends it.
   */
  credentialsId?: string;
  /**
   * The PostgreSQL schema of pg-boss's tables: lowercase letters, digits and underscores, at most 50
   * (pg-boss's limit); not an SQL keyword, `pg`, `pg_*` or `information_schema`, nor ending in `_pause`
   * or `_v10` (the outbox's own schemas beside a queue).
   * @default 'digilocker_outbox'
   */
  schema?: string;
}

/** The options once validated and completed. */
export interface NormalizedOutboxOptions {
  client: RevocationClient | undefined;
  store: StoreSettings;
  concurrency: number;
  onEvent: ((event: OutboxEvent) => void) | undefined;
  defaultExpiresInSeconds: number;
  backoff: BackoffPolicy;
  pollIntervalMs: number;
  jobTimeoutSeconds: number;
  maxRateLimitPauseMs: number;
  credentialsId: string | undefined;
  schema: string;
}

const KNOWN = new Set([
  'client',
  'store',
  'encryptionKeys',
  'concurrency',
  'onEvent',
  'defaultExpiresInSeconds',
  'retry',
  'pollIntervalMs',
  'jobTimeoutSeconds',
  'maxRateLimitPauseMs',
  'credentialsId',
  'schema',
]);

/**
 * Validates every option but the keys (see importKeys).
 * @throws {InputTypeError} an option of the wrong type, or unknown (`code: 'invalid_option'`, `input`
 *   naming it, e.g. `store.maxConnections`).
 * @throws {InputRangeError} an option out of its bounds (same `code` and `input`).
 */
export function normalizeOutboxOptions(options: RevocationOutboxOptions): NormalizedOutboxOptions {
  if (options === null || typeof options !== 'object') throw typeError('options', 'must be an object');
  assertKnownKeys(options, KNOWN);
  const { client } = options;
  if (client !== undefined && (client === null || typeof client.signOut !== 'function'))
    throw typeError('client', 'must be a RevocationClient (createRevocationClient)');
  const { concurrency, pollIntervalMs, jobTimeoutSeconds, maxRateLimitPauseMs } = OUTBOX_DEFAULTS;
  return {
    client,
    store: normalizeStore(options.store),
    concurrency: integerInRange('concurrency', options.concurrency, 1, 256, concurrency),
    onEvent: optionalFunction('onEvent', options.onEvent),
    defaultExpiresInSeconds: integerInRange(
      'defaultExpiresInSeconds',
      options.defaultExpiresInSeconds,
      60,
      MAX_JOB_LIFETIME_SECONDS,
      OUTBOX_DEFAULTS.expiresInSeconds,
    ),
    backoff: normalizeBackoff(options.retry),
    pollIntervalMs: integerInRange('pollIntervalMs', options.pollIntervalMs, 100, 60_000, pollIntervalMs),
    jobTimeoutSeconds: integerInRange(
      'jobTimeoutSeconds',
      options.jobTimeoutSeconds,
      10,
      86_400,
      jobTimeoutSeconds,
    ),
    maxRateLimitPauseMs: integerInRange(
      'maxRateLimitPauseMs',
      options.maxRateLimitPauseMs,
      0,
      3_600_000,
      maxRateLimitPauseMs,
    ),
    credentialsId: credentialsIdOf(options.credentialsId),
    schema: options.schema === undefined ? OUTBOX_DEFAULTS.schema : schemaName(options.schema),
  };
}

const KNOWN_RETRY = new Set(['minDelaySeconds', 'maxDelaySeconds']);

/** `retry`, completed: the longest delay is at least the first. */
function normalizeBackoff(retry: unknown = {}): BackoffPolicy {
  if (retry === null || typeof retry !== 'object') throw typeError('retry', 'must be an object');
  assertKnownKeys(retry, KNOWN_RETRY, 'retry.');
  const { minDelaySeconds: min, maxDelaySeconds: max } = retry as Partial<BackoffPolicy>;
  const minDelaySeconds = integerInRange(
    'retry.minDelaySeconds',
    min,
    1,
    86_400,
    OUTBOX_DEFAULTS.minRetryDelaySeconds,
  );
  const maxDelaySeconds = integerInRange(
    'retry.maxDelaySeconds',
    max,
    minDelaySeconds,
    86_400,
    OUTBOX_DEFAULTS.maxRetryDelaySeconds,
  );
  return { minDelaySeconds, maxDelaySeconds };
}

function credentialsIdOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw typeError('credentialsId', `must be a string, got ${describeType(value)}`);
  if (value.length === 0 || value.length > 200)
    throw rangeError('credentialsId', 'must be 1 to 200 characters (a fingerprint, never the secret)');
  return value;
}
