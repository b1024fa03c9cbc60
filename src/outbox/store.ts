/** What pg-boss and the outbox run their SQL through: pg-boss's `db` option shape. */
export interface SqlExecutor {
  /** Runs one statement (or several, without values) and resolves with the rows of every statement. */
  // biome-ignore lint/suspicious/noExplicitAny: the shape of pg-boss's own Db interface (rows of any query).
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount?: number | null }>;
}

/** One statement and its values. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** An executor that can also run statements in one transaction of their own (see enqueueBatch). */
export interface TransactionalExecutor extends SqlExecutor {
  /**
   * Runs `statements` in order in one transaction: all are committed, or, once one fails, none is
   * (the transaction is rolled back and that statement's error thrown).
   */
  executeInTransaction(statements: readonly Statement[]): Promise<void>;
}

/** An open store: the embedded PostgreSQL (PGlite) or a PostgreSQL server. */
export interface OutboxStore {
  /** `'embedded'` (PGlite in a directory, one process) or `'postgres'` (a server, many processes). */
  readonly kind: 'embedded' | 'postgres';
  /** Where it is, with no password: the directory, or the server's host, port and database. */
  readonly location: string;
  readonly db: SqlExecutor;
  /** Closes connections (and, embedded, releases the directory). */
  close(): Promise<void>;
}

/**
 * Where the jobs are kept.
 * - `{ directory }`: PostgreSQL in-process (PGlite), persisted in that directory; one process at a time.
 * - `{ connectionString }`: a PostgreSQL server shared by any number of processes and machines.
 */
export type StoreOptions =
  | EmbeddedStoreOptions
  | {
      /** e.g. `postgres://user:password@host:5432/db`. */
      connectionString: string;
      /**
       * Whether the queue's schema may be created. `false` opens an existing queue only (a
       * StoreNotFoundError otherwise): for tools that only read, where a mistyped schema or database
       * must not leave a new queue behind.
       * @default true
       */
      create?: boolean;
      /**
       * Connections of pg-boss's pool: the workers, maintenance, `stats()` and operator commands.
       * @default 10
       */
      maxConnections?: number;
      /**
       * Connections of the pool that `enqueue` and `enqueueBatch` use (without `db`), besides
       * `maxConnections`: a flood of enqueues cannot starve the workers, nor the workers enqueueing.
       * @default 4
       */
      enqueueConnections?: number;
      /**
       * The most statements waiting for a free connection in each pool (0-1000000); one more fails at
       * once with a StoreSaturatedError (code `store_saturated`, retryable: nothing was written), so
       * that a flood takes bounded memory. A wait is also bounded by `connectTimeoutMs`.
       * @default 1000
       */
      maxWaiting?: number;
      /**
       * The longest wait for a connection (opening one, or a free one in the pool), in milliseconds
       * (100-600000); then the statement fails with a StoreSaturatedError when the server answers
       * (the pool is too small for the load), else with a StoreTimeoutError.
       * @default 10000
       */
      connectTimeoutMs?: number;
      /**
       * The longest wait for the server's answer to one statement, in milliseconds (100-3600000): a
       * server that stops answering (a network partition) fails it with a StoreTimeoutError instead of
       * hanging `enqueue` or `close()`. Keep it above your longest statement.
       * @default 30000
       */
      queryTimeoutMs?: number;
    };

/** The embedded store: PGlite persisted in a directory, for one process. */
export interface EmbeddedStoreOptions {
  /**
   * The directory of the embedded database. A missing or empty one is made a new store; one that
   * holds anything other than a store is refused (StoreDamagedError), never initialised over.
   */
  directory: string;
  /**
   * Whether a missing or empty directory becomes a new store, and a missing queue schema a new queue.
   * `false` opens an existing store and queue only (a StoreNotFoundError otherwise): for tools that
   * only read, where a mistyped path or schema must not leave a new store behind.
   * @default true
   */
  create?: boolean;
  /**
   * Gives up durability for speed: commits are not flushed to the disk (no fsync), so a job whose
   * `enqueue` resolved survives the process being killed but may be lost, or the store damaged, by a
   * power cut or a kernel crash. For tests and throwaway stores only.
   * @default false
   */
  unsafeSkipFsync?: boolean;
  /**
   * The longest wait for PGlite's answer to one call, in milliseconds (100-3600000). PGlite runs in a
   * worker thread: one that does not answer in time (it can spin forever after a write fails on a
   * full disk) is terminated and the store fails with a StoreFailedError, this call and every later
   * one, instead of freezing the application. Keep it above your longest statement.
   * @default 30000
   */
  queryTimeoutMs?: number;
}

/** A connection string without its password, for messages. */
export function describeConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    // No host in the URL: node-postgres takes PGHOST, else the local socket or localhost.
    const host = url.hostname || '(PGHOST or localhost)';
    return `postgres://${host}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'postgres (connection string not shown)';
  }
}

/** Whether `value` is a PostgreSQL URL (`postgres://` or `postgresql://`, the scheme in any case). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}
