import type { RevocationClient } from '../client';
import type { EncryptionKey } from './crypto';
import type { OutboxEvent } from './events';
import type { StoreOptions } from './store';
import { normalizeEmbeddedStore } from './store-options';

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
  /** After this long, a job whose worker vanished (a crashed process) is run again. */
  jobTimeoutSeconds: 180,
  /** The longest this instance pauses on a 429's Retry-After. */
  maxRateLimitPauseMs: 10 * 60_000,
  /** The PostgreSQL schema of pg-boss's tables. */
  schema: 'digilocker_outbox',
  /** Connections to a PostgreSQL server. */
  maxConnections: 10,
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
   * Opening fails with a KeyMismatchError when a pending job needs a key that is not here.
   */
  encryptionKeys: readonly EncryptionKey[];
  /**
   * Jobs worked on at once by this instance (1-256).
   * @default 8
   */
  concurrency?: number;
  /** Receives events (see {@link OutboxEvent}); its exceptions are ignored. */
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
   * How often idle workers look for due jobs, in milliseconds (100-60000).
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * After this many seconds a job still marked in progress (its process crashed) is run again.
   * Keep it above the client's longest call (two tokens, each up to its `retry.maxElapsedMs`).
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
   * The PostgreSQL schema that holds pg-boss's tables (letters, digits, underscores).
   * @default 'digilocker_outbox'
   */
  schema?: string;
}

/** The options once validated and completed. */
export interface NormalizedOutboxOptions {
  client: RevocationClient | undefined;
  store: StoreOptions;
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

/** Validates every option but the keys (see importKeys); throws a TypeError or RangeError naming it. */
export function normalizeOutboxOptions(options: RevocationOutboxOptions): NormalizedOutboxOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  for (const name of Object.keys(options))
    if (!KNOWN.has(name)) throw new TypeError(`unknown option "${name.slice(0, 40)}"`);
  const { client, onEvent, retry = {} } = options;
  if (client !== undefined && (client === null || typeof client.signOut !== 'function'))
    throw new TypeError('client must be a RevocationClient (createRevocationClient)');
  if (onEvent !== undefined && typeof onEvent !== 'function')
    throw new TypeError('onEvent must be a function');
  if (retry === null || typeof retry !== 'object') throw new TypeError('retry must be an object');
  const schema = options.schema ?? OUTBOX_DEFAULTS.schema;
  if (typeof schema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new RangeError('schema must be a lowercase PostgreSQL identifier (letters, digits, _)');
  const minDelaySeconds = integer(
    'retry.minDelaySeconds',
    retry.minDelaySeconds,
    1,
    86_400,
    OUTBOX_DEFAULTS.minRetryDelaySeconds,
  );
  const maxDelaySeconds = integer(
    'retry.maxDelaySeconds',
    retry.maxDelaySeconds,
    minDelaySeconds,
    86_400,
    OUTBOX_DEFAULTS.maxRetryDelaySeconds,
  );
  return {
    client,
    store: normalizeStore(options.store),
    concurrency: integer('concurrency', options.concurrency, 1, 256, OUTBOX_DEFAULTS.concurrency),
    onEvent,
    defaultExpiresInSeconds: integer(
      'defaultExpiresInSeconds',
      options.defaultExpiresInSeconds,
      60,
      366 * 86_400,
      OUTBOX_DEFAULTS.expiresInSeconds,
    ),
    backoff: { minDelaySeconds, maxDelaySeconds },
    pollIntervalMs: integer(
      'pollIntervalMs',
      options.pollIntervalMs,
      100,
      60_000,
      OUTBOX_DEFAULTS.pollIntervalMs,
    ),
    jobTimeoutSeconds: integer(
      'jobTimeoutSeconds',
      options.jobTimeoutSeconds,
      10,
      86_400,
      OUTBOX_DEFAULTS.jobTimeoutSeconds,
    ),
    maxRateLimitPauseMs: integer(
      'maxRateLimitPauseMs',
      options.maxRateLimitPauseMs,
      0,
      3_600_000,
      OUTBOX_DEFAULTS.maxRateLimitPauseMs,
    ),
    credentialsId: credentialsIdOf(options.credentialsId),
    schema,
  };
}

function credentialsIdOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 200)
    throw new TypeError(
      'credentialsId must be a string of 1 to 200 characters (a fingerprint, never the secret)',
    );
  return value;
}

const KNOWN_SERVER_STORE = new Set([
  'connectionString',
  'maxConnections',
  'connectTimeoutMs',
  'queryTimeoutMs',
]);

function normalizeStore(store: unknown): StoreOptions {
  if (store === null || typeof store !== 'object')
    throw new TypeError('store must be { directory } or { connectionString }');
  const { directory, connectionString, maxConnections, connectTimeoutMs, queryTimeoutMs } = store as Record<
    string,
    unknown
  >;
  if ((directory === undefined) === (connectionString === undefined))
    throw new TypeError('store must have either directory or connectionString');
  if (directory !== undefined) return normalizeEmbeddedStore(store as Record<string, unknown>);
  for (const name of Object.keys(store))
    if (!KNOWN_SERVER_STORE.has(name)) throw new TypeError(`unknown option "store.${name.slice(0, 40)}"`);
  if (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(connectionString))
    throw new TypeError('store.connectionString must be a postgres:// or postgresql:// URL');
  const { connectTimeoutMs: connectDefault, queryTimeoutMs: queryDefault } = OUTBOX_DEFAULTS;
  return {
    connectionString,
    maxConnections: integer('store.maxConnections', maxConnections, 1, 1000, OUTBOX_DEFAULTS.maxConnections),
    connectTimeoutMs: integer('store.connectTimeoutMs', connectTimeoutMs, 100, 600_000, connectDefault),
    queryTimeoutMs: integer('store.queryTimeoutMs', queryTimeoutMs, 100, 3_600_000, queryDefault),
  };
}

function integer(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new TypeError(`${name} must be an integer`);
  if (value < min || value > max) throw new RangeError(`${name} must be from ${min} to ${max}`);
  return value;
}
