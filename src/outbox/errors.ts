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
  | 'store_damaged'
  | 'store_not_found'
  | 'store_failed';

/**
 * The base of every failure of the outbox itself (not of a revocation, which is reported per job by
 * events and `stats()`). Messages never contain a token, a key or a client secret.
 */
export class OutboxError extends Error {
  /** A stable, machine-readable code. */
  declare readonly code: OutboxErrorCode;
  override name = 'OutboxError';
}

/** An optional peer dependency of `digilocker-revocation/outbox` is not installed. */
export class MissingDependencyError extends OutboxError {
  override readonly code = 'missing_dependency';
  override name = 'MissingDependencyError';
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, cause: unknown) {
    super(`digilocker-revocation/outbox needs the package "${packageName}": npm install ${packageName}`, {
      cause,
    });
    this.packageName = packageName;
  }
}

/**
 * `drain()` found only pending jobs encrypted with keys that none of `encryptionKeys` is: they were
 * given back unsent and wait for an instance that holds them. Carries the key ids (not secret: a hash
 * prefix) and the job count.
 */
export class KeyMismatchError extends OutboxError {
  override readonly code = 'key_mismatch';
  override name = 'KeyMismatchError';
  /** The ids of the keys the pending jobs need and that were not given. */
  readonly missingKeyIds: readonly string[];
  /** How many pending jobs need one of them. */
  readonly jobs: number;

  constructor(missingKeyIds: readonly string[], jobs: number) {
    super(
      `${jobs} pending job(s) were encrypted with key id(s) ${missingKeyIds.join(', ')}, which encryptionKeys ` +
        'does not hold; they wait, unsent, for an instance that holds that key among encryptionKeys',
    );
    this.missingKeyIds = missingKeyIds;
    this.jobs = jobs;
  }
}

/** The embedded store's directory is open in another process (PGlite serves one process). */
export class StoreLockedError extends OutboxError {
  override readonly code = 'store_locked';
  override name = 'StoreLockedError';
}

/**
 * The PostgreSQL server did not answer in time (`store.connectTimeoutMs` for a connection,
 * `store.queryTimeoutMs` for a statement): it is down or unreachable. A timed-out write may or may
 * not have been committed (enqueueing again is harmless: revocation is idempotent).
 */
export class StoreTimeoutError extends OutboxError {
  override readonly code = 'store_timeout';
  override name = 'StoreTimeoutError';
}

/**
 * DigiLocker refused the client's credentials (`invalid_client`): the workers stopped taking jobs
 * (none was charged an attempt); open the outbox again with working credentials.
 */
export class PausedForCredentialsError extends OutboxError {
  override readonly code = 'paused_invalid_client';
  override name = 'PausedForCredentialsError';
}

/**
 * The outbox was closed, or has no client to revoke with; or (`stopped`) `drain()` was interrupted by
 * `stop()` (`closed`: by `close()`) before the queue was empty.
 */
export class OutboxStateError extends OutboxError {
  override readonly code: 'closed' | 'stopped' | 'no_client';
  override name = 'OutboxStateError';

  constructor(code: 'closed' | 'stopped' | 'no_client', message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The embedded store's directory holds files that are not a working store (a missing
 * `pgdata/PG_VERSION`, files of something else, a truncated job table, a database PGlite cannot
 * start): it is refused, never re-created over them. The message names the directory, the cause and
 * what to do; `cause` holds the underlying error, when there is one.
 */
export class StoreDamagedError extends OutboxError {
  override readonly code = 'store_damaged';
  override name = 'StoreDamagedError';
}

/**
 * The embedded store's directory does not exist, and the caller asked not to create one
 * (`store.create: false`, as the CLI's read-only commands do): most often a mistyped path.
 */
export class StoreNotFoundError extends OutboxError {
  override readonly code = 'store_not_found';
  override name = 'StoreNotFoundError';
}

/**
 * The embedded store stopped answering (its PGlite did not answer a call within
 * `store.queryTimeoutMs`, or its worker thread died), for example after a full disk: it was shut down,
 * and this call and every later one fail with this error. The message names the directory, the cause
 * and what to do; restart the process once the cause is fixed (the jobs committed before are kept).
 */
export class StoreFailedError extends OutboxError {
  override readonly code = 'store_failed';
  override name = 'StoreFailedError';
}
