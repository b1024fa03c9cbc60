import { errorClass } from '../error-class';

/** The stable `code` of each {@link OutboxError}. */
export type OutboxErrorCode =
  | 'missing_dependency'
  | 'key_mismatch'
  | 'store_locked'
  | 'store_timeout'
  | 'paused_invalid_client'
  | 'closed'
  | 'stopped'
  | 'no_client'
  | 'no_keys'
  | 'store_saturated'
  | 'enqueue_failed'
  | 'store_damaged'
  | 'store_not_found'
  | 'store_failed'
  | StoreUnavailableCode;

/**
 * The base of every failure of the outbox itself (not of a revocation, which is reported per job by
 * events and `stats()`). Messages never contain a token, a key or a client secret.
 *
 * Every class follows the package's one error idiom (`src/error-class.ts`): a literal `code`, and a
 * static block that registers its name, so that `instanceof` holds across the ESM and CommonJS builds.
 * A new class goes at the end of this file:
 *
 * ```ts
 * export class StoreDamagedError extends OutboxError {
 *   static {
 *     errorClass(StoreDamagedError, 'StoreDamagedError');
 *   }
 *   override readonly code = 'store_damaged';
 * }
 * ```
 * and its code into {@link OutboxErrorCode}.
 */
export class OutboxError extends Error {
  static {
    errorClass(OutboxError, 'OutboxError');
  }
  /** A stable, machine-readable code. */
  declare readonly code: OutboxErrorCode;
}

/** An optional peer dependency of `digilocker-revocation/outbox` is not installed. */
export class MissingDependencyError extends OutboxError {
  static {
    errorClass(MissingDependencyError, 'MissingDependencyError');
  }
  override readonly code = 'missing_dependency';
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, cause: unknown) {
    // With the range this package supports: the newest release may be one it does not (PGlite 0.6).
    const range = __PEER_DEPENDENCIES__[packageName];
    const install = range === undefined ? packageName : `"${packageName}@${range}"`;
    super(`digilocker-revocation/outbox needs the package "${packageName}": npm install ${install}`, {
      cause,
    });
    this.packageName = packageName;
  }
}

/** package.json's peer dependencies and their ranges, put in the build by tsup (tsup.config.ts). */
declare const __PEER_DEPENDENCIES__: Readonly<Record<string, string | undefined>>;

/**
 * `drain()` found only pending jobs encrypted with keys that none of `encryptionKeys` is: they were
 * given back unsent and wait for an instance that holds them. Carries the key ids (not secret: a hash
 * prefix) and the job count.
 */
export class KeyMismatchError extends OutboxError {
  static {
    errorClass(KeyMismatchError, 'KeyMismatchError');
  }
  override readonly code = 'key_mismatch';
  /** The ids of the keys the pending jobs need and that were not given. */
  readonly missingKeyIds: readonly string[];
  /** How many pending jobs need one of them. */
  readonly jobs: number;

  constructor(missingKeyIds: readonly string[], jobs: number) {
    super(
      `${jobs} pending job(s) were encrypted with key id(s) ${missingKeyIds.join(', ')}, which encryptionKeys ` +
        'does not hold; they wait, unsent, for an instance that holds that key among encryptionKeys. ' +
        'If no instance holds it any more (a lost key), list them with `digilocker-revoke outbox keys` ' +
        '(or jobsByKey()) and delete them with `digilocker-revoke outbox purge-key <key-id> --yes` ' +
        '(or purgeKey(keyId)): their tokens can no longer be revoked by the outbox',
    );
    this.missingKeyIds = missingKeyIds;
    this.jobs = jobs;
  }
}

/** The embedded store's directory is open in another process (PGlite serves one process). */
export class StoreLockedError extends OutboxError {
  static {
    errorClass(StoreLockedError, 'StoreLockedError');
  }
  override readonly code = 'store_locked';
}

/**
 * The PostgreSQL server did not answer in time (`store.connectTimeoutMs` for a connection,
 * `store.queryTimeoutMs` for a statement): it is down or unreachable. A timed-out write may or may
 * not have been committed (enqueueing again is harmless: revocation is idempotent); a statement of
 * `enqueueBatch`'s own transaction timed out before its COMMIT is an {@link EnqueueFailedError}
 * with `committed: false` instead.
 */
export class StoreTimeoutError extends OutboxError {
  static {
    errorClass(StoreTimeoutError, 'StoreTimeoutError');
  }
  override readonly code = 'store_timeout';
}

/**
 * DigiLocker refused the client's credentials (`invalid_client`): the workers stopped taking jobs. The
 * job that met the refusal waits to be retried; the others were not taken. The pause is kept in the
 * store, so a restart does not end it: it ends when an operator resumes (`resume()`,
 * `digilocker-revoke outbox resume`), or for an instance opened with another `credentialsId`.
 */
export class PausedForCredentialsError extends OutboxError {
  static {
    errorClass(PausedForCredentialsError, 'PausedForCredentialsError');
  }
  override readonly code = 'paused_invalid_client';
}

/**
 * The outbox was closed, has no client to revoke with (`no_client`), or was opened without
 * `encryptionKeys` (`no_keys`: for administration only, it can neither encrypt a job nor decrypt
 * one); or (`stopped`) `drain()` was interrupted by `stop()` (`closed`: by `close()`) before the
 * queue was empty.
 */
export class OutboxStateError extends OutboxError {
  static {
    errorClass(OutboxStateError, 'OutboxStateError');
  }
  override readonly code: OutboxStateCode;

  constructor(code: OutboxStateCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Why an outbox refused a call in the state it is in; see {@link OutboxStateError}. */
export type OutboxStateCode = 'closed' | 'stopped' | 'no_client' | 'no_keys';

/**
 * A pool of connections to the PostgreSQL server is saturated while the server answers: every
 * connection is busy and `store.maxWaiting` statements already wait for one, or none came free within
 * `store.connectTimeoutMs`. Nothing was written; retrying later is safe. `option` names the pool's
 * size to raise (`store.enqueueConnections` for enqueueing, `store.maxConnections` for the rest).
 */
export class StoreSaturatedError extends OutboxError {
  static {
    errorClass(StoreSaturatedError, 'StoreSaturatedError');
  }
  override readonly code = 'store_saturated';
  /** Always true: the statement was never sent, so the same call can be made again. */
  readonly retryable = true;
  /** The option that sets the size of the saturated pool, e.g. `store.enqueueConnections`. */
  readonly option: string;

  constructor(message: string, option: string, options?: ErrorOptions) {
    super(message, options);
    this.option = option;
  }
}

/** Why a PostgreSQL store could not be opened or stayed away; see {@link StoreUnavailableError}. */
export type StoreUnavailableCode =
  | 'store_unavailable'
  | 'store_unreachable'
  | 'store_auth_failed'
  | 'store_database_missing'
  | 'store_refused';

/**
 * A PostgreSQL store could not be opened, or stayed away. The message names the server (never a
 * password), the cause and the next step. `code`: `store_unavailable` (the server refused or dropped
 * every connection for longer than `store.connectTimeoutMs` while the outbox was open: statements that
 * lost their connection were tried again until then, and a job sent meanwhile is recorded once the
 * server answers again), `store_unreachable` (no server at that address, or an unknown host), `store_auth_failed` (role or password refused), `store_database_missing`, `store_refused`
 * (any other refusal by the server: too many connections, a bad setting, TLS).
 */
export class StoreUnavailableError extends OutboxError {
  static {
    errorClass(StoreUnavailableError, 'StoreUnavailableError');
  }
  override readonly code: StoreUnavailableCode;

  constructor(code: StoreUnavailableCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * `enqueue` or `enqueueBatch` failed in the database. `committed` says what is known: `false` when
 * nothing of the call was committed: the server refused the statement (a statement timeout, a
 * terminated backend, a constraint), no connection could be made, or (`enqueueBatch` on a PostgreSQL
 * server, without `db`) the connection was lost, or a statement not answered within
 * `store.queryTimeoutMs`, before its transaction's COMMIT was sent; `'unknown'` when the connection was
 * lost before the answer to `enqueue`'s statement (which commits on its own), to a statement in `db`
 * (which may, outside a transaction) or to that COMMIT: all of it may have been committed, or none
 * (enqueueing again is harmless: a token revoked twice is already invalid). The message says which
 * and why, never a token.
 */
export class EnqueueFailedError extends OutboxError {
  static {
    errorClass(EnqueueFailedError, 'EnqueueFailedError');
  }
  override readonly code = 'enqueue_failed';
  /** Whether the call's jobs were committed: `false` (none was), or `'unknown'` (all or none). */
  readonly committed: false | 'unknown';

  constructor(message: string, committed: false | 'unknown', options?: ErrorOptions) {
    super(message, options);
    this.committed = committed;
  }
}

/**
 * The embedded store's directory holds files that are not a working store (a missing
 * `pgdata/PG_VERSION`, files of something else, a truncated job table, a database PGlite cannot
 * start): it is refused, never re-created over them. Also a store of either kind made by release 0.1
 * whose pg-boss 10 schema holds another application's queues, which carrying it over would delete.
 * The message names the store, the cause and what to do; `cause` holds the underlying error, when
 * there is one.
 */
export class StoreDamagedError extends OutboxError {
  static {
    errorClass(StoreDamagedError, 'StoreDamagedError');
  }
  override readonly code = 'store_damaged';
}

/**
 * The embedded store's directory does not exist, and the caller asked not to create one
 * (`store.create: false`, as the CLI's read-only commands do): most often a mistyped path.
 */
export class StoreNotFoundError extends OutboxError {
  static {
    errorClass(StoreNotFoundError, 'StoreNotFoundError');
  }
  override readonly code = 'store_not_found';
}

/**
 * The embedded store stopped answering (its PGlite did not answer a call within
 * `store.queryTimeoutMs`, or its worker thread died), for example after a full disk: it was shut down,
 * and this call and every later one fail with this error. The message names the directory, the cause
 * and what to do; restart the process once the cause is fixed (the jobs committed before are kept).
 */
export class StoreFailedError extends OutboxError {
  static {
    errorClass(StoreFailedError, 'StoreFailedError');
  }
  override readonly code = 'store_failed';
}
