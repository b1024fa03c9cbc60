import type { PgBoss } from 'pg-boss';
import type { SignOutTokens } from '../results';
import { assertSignal, describeType, typeError } from '../validate';
import { queueOperations, sealingKey } from './administration';
import { callsInFlight, closedError } from './calls-in-flight';
import { importKeys, type OutboxKey } from './crypto';
import { type EnqueuedJob, enqueueBatch, enqueueJob } from './enqueue';
import { OutboxStateError, StoreFailedError } from './errors';
import { type Emit, safeEmitter } from './events';
import type { EnqueueOptions } from './input';
import { compactTables, requeueOrphans } from './jobs';
import { type KeyJobs, keyJobsOf } from './key-jobs';
import { loadPgBoss } from './load';
import {
  type NormalizedOutboxOptions,
  normalizeOutboxOptions,
  type RevocationOutboxOptions,
} from './options';
import { removeOrphanFiles } from './orphan-files';
import { ClusterPause } from './pause';
import { type Queue, startQueue } from './queue';
import { reopening } from './reconnect';
import { assertPlainSchema } from './schema-name';
import { type OutboxStats, readStats } from './stats';
import { describeConnectionString, type OutboxStore } from './store';
import { assertJobsReadable, assertOnlyOutboxSchemas, assertQueueExists } from './store-check';
import { openEmbeddedStore } from './store-pglite';
import { openServerStore } from './store-postgres';
import { Workers } from './workers';

/** A durable revocation queue; see {@link openRevocationOutbox}. */
export interface RevocationOutbox extends KeyJobs {
  /** `'embedded'` (PGlite in a directory) or `'postgres'` (a server). */
  readonly storeKind: 'embedded' | 'postgres';
  /**
   * Queues the sign-out of one session (refresh token first, then access token, as `signOut` does).
   * Validates like `signOut` (TypeError/RangeError, nothing stored; other properties, such as an
   * `idToken`, are ignored and never stored); resolves once the job is committed to disk (with
   * `options.db`, once it is written in your transaction: durable when you commit).
   * @throws {OutboxStateError} opened without `encryptionKeys` (`no_keys`, before any statement), or closed.
   */
  enqueue(tokens: SignOutTokens, options?: EnqueueOptions): Promise<EnqueuedJob>;
  /**
   * Queues up to 10,000 sign-outs in one statement (all or none): for bulk revocation. Validates every
   * one first (nothing stored on bad input). Resolves, once committed (with `options.db`, once written
   * in your transaction: they commit or roll back with it), with what `enqueue` resolves, one each, in order.
   * @throws {OutboxStateError} opened without `encryptionKeys` (`no_keys`, before any statement), or closed.
   */
  enqueueBatch(batch: readonly SignOutTokens[], options?: EnqueueOptions): Promise<EnqueuedJob[]>;
  /**
   * Starts this instance's workers (needs `client` and `encryptionKeys`); they run until `stop()` or `close()`.
   * @throws {OutboxStateError} without either (`no_client`, `no_keys`), or once closed (`closed`).
   */
  start(): void;
  /** Stops the workers; resolves once the jobs in flight have finished and been recorded. */
  stop(): Promise<void>;
  /**
   * Works until the queue holds no waiting or running job (scheduled retries included), then stops
   * the workers, unless `start()` was called (before the drain or while it ran: they then run until
   * `stop()` or `close()`), and resolves with the counts. Rejects with the signal's reason on abort
   * (after finishing the jobs in flight; at once, with nothing sent, when already aborted), with a PausedForCredentialsError on `invalid_client`, with a
   * KeyMismatchError when only jobs sealed with keys it lacks are left, or with an OutboxStateError as
   * soon as `stop()` (code `stopped`) or `close()` (code `closed`) is called meanwhile. Like `start()`,
   * rejects at once, before any statement, without `client` (`no_client`) or `encryptionKeys` (`no_keys`).
   */
  drain(options?: { signal?: AbortSignal }): Promise<OutboxStats>;
  /** Counts of jobs by state, and the pause in effect (`null` when none). */
  stats(): Promise<OutboxStats>;
  /** Puts every dead job back in the queue; resolves with how many. */
  retryDead(): Promise<number>;
  /** Deletes every dead job, and its encrypted tokens with it; resolves with how many. */
  purgeDead(): Promise<number>;
  /**
   * Ends the pause of every instance on this queue (a 429's, or refused credentials' once they are
   * fixed); resolves with whether there was one.
   */
  resume(): Promise<boolean>;
  /**
   * Waits for the calls in flight (an `enqueue` waiting for a connection, a `stats()`), stops the
   * workers, then closes the store (and releases the embedded store's directory). Every call resolves
   * once that is done, a second one too; any later call rejects with an OutboxStateError (`closed`).
   */
  close(): Promise<void>;
}

/**
 * Opens the outbox: validates the options and keys, opens the store, starts pg-boss on it (creating
 * its tables on first use; a store made by release 0.1 is carried over, its jobs' ids kept). A job
 * sealed with a key this instance lacks (a rolling key rotation) is given back for an instance that
 * holds it. Embedded: jobs left running by a process that died are put back in the queue at once.
 * Without `encryptionKeys`, it opens for administration only (`stats()`, `resume()`, dead jobs, a lost
 * key's jobs): whatever encrypts or decrypts is refused (see the option).
 *
 * @throws {InputTypeError} / {InputRangeError} a bad option or key (`code: 'invalid_option'`, `input`
 *   names it), before anything is opened.
 * @throws {MissingDependencyError} pg-boss, pg or (embedded) PGlite is not installed.
 * @throws {StoreLockedError} the embedded store is open in another process.
 * @throws {StoreNotFoundError} `store.create: false` and no store, or no queue in `schema`, there.
 * @throws {StoreDamagedError} the directory holds something other than a working store.
 * @throws {StoreUnavailableError} the PostgreSQL server cannot be reached or refuses (`code` says why).
 *   A connection lost during the open (a restart, a terminated backend, a server starting) opens again
 *   for up to `store.connectTimeoutMs`; a refusal (credentials, database) fails at once.
 * @throws {StoreTimeoutError} the PostgreSQL server does not answer in time.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}: the request each job
 *   sends; {@link https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 | RFC 6749 §2.3.1}: its client
 *   authentication.
 *
 * @example
 * const outbox = await openRevocationOutbox({ client, store: { directory: '.digilocker-outbox' }, encryptionKeys: [process.env.OUTBOX_KEY!] });
 * outbox.start();
 * await outbox.enqueue({ refreshToken, accessToken }, { ref: userId });
 */
export async function openRevocationOutbox(options: RevocationOutboxOptions): Promise<RevocationOutbox> {
  const normalized = normalizeOutboxOptions(options);
  // Left out, for administration only (see `encryptionKeys`). Only left out: a variable that is unset
  // (`encryptionKeys: process.env.KEYS?.split(',')`) must fail here, not at the first sign-out.
  const keys = 'encryptionKeys' in options ? await importKeys(options.encryptionKeys) : [];
  const emit = safeEmitter(normalized.onEvent);
  // Every package the store needs is loaded before anything is opened: a missing one fails at once.
  const { PgBoss } = await loadPgBoss();
  const open = () => openOnce(PgBoss, normalized, keys, emit);
  const { store } = normalized;
  if ('directory' in store) return open();
  // A connection lost during the open (a restart, a failover) opens again: see reopening.
  return reopening(
    open,
    describeConnectionString(store.connectionString),
    store.connectTimeoutMs,
    (message) => emit({ type: 'error', message }),
  );
}

/** One try at opening: whatever it opened (pools, pg-boss, the directory's lock) is closed if it fails. */
async function openOnce(
  PgBossClass: typeof PgBoss,
  normalized: NormalizedOutboxOptions,
  keys: readonly OutboxKey[],
  emit: Emit,
): Promise<RevocationOutbox> {
  const store = await openStore(normalized);
  let queue: Queue;
  try {
    await assertPlainSchema(store, normalized.schema);
    if (!normalized.store.create) await assertQueueExists(store, normalized.schema);
    if (store.kind === 'embedded') {
      await assertOnlyOutboxSchemas(store, normalized.schema);
      await assertJobsReadable(store, normalized.schema);
      await removeOrphanFiles(store);
    }
    queue = await startQueue(PgBossClass, store, normalized, (error) =>
      emit({ type: 'error', message: `pg-boss: ${error.message.slice(0, 300)}` }),
    );
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  const pause = new ClusterPause(
    queue.db,
    normalized.schema,
    normalized.credentialsId,
    store.kind === 'embedded',
  );
  try {
    await pause.create();
    if (store.kind === 'embedded') await requeueOrphans(queue);
  } catch (error) {
    await closeQueue(queue, store, emit).catch(() => {});
    throw error;
  }
  return createOutbox(store, queue, pause, keys, normalized, emit);
}

function openStore(options: NormalizedOutboxOptions): Promise<OutboxStore> {
  const { store } = options;
  return 'directory' in store ? openEmbeddedStore(store) : openServerStore(store);
}

async function closeQueue(queue: Queue, store: OutboxStore, emit: Emit): Promise<void> {
  try {
    await queue.boss.stop({ graceful: false, close: false });
    if (store.kind === 'embedded')
      await compactTables(queue).catch((error: unknown) => compactionFailed(error, emit));
  } finally {
    await store.close();
  }
}

/**
 * The compaction at close needs free space about the size of the job table. Without it the store still
 * closes: every job is safe, and only the ciphertext of jobs ended since the last compaction stays in
 * the files until a later close compacts them. An embedded store that failed (its thread died or did
 * not answer: StoreFailedError, its `cause` what happened) says that instead: the jobs committed before
 * are in its files, as each commit was. Said as an `error` event, not thrown: a close that rejected
 * would fail a run whose work was done.
 */
function compactionFailed(error: unknown, emit: Emit): void {
  const cause = error instanceof Error ? error.message.slice(0, 200) : String(error);
  emit({
    type: 'error',
    message:
      error instanceof StoreFailedError
        ? `close: the store stopped working before the job table was compacted: ${String(error.cause ?? cause)}. ` +
          'The jobs committed before it did are kept in its files, for the next open'
        : `close: could not compact the job table (${cause}); every job is safe, but the ciphertext of ` +
          'jobs ended since the last compaction stays in the files until a close with free space compacts it',
  });
}

/**
 * Works with `workers` until the queue is empty (see Workers.drain). Interrupted by `stop()` or
 * `close()`, rejects with an OutboxStateError saying which.
 */
async function untilDrained(
  workers: Workers,
  signal: AbortSignal | undefined,
  isClosed: () => boolean,
): Promise<void> {
  try {
    await workers.drain(signal);
  } catch (error) {
    if (isClosed() && error instanceof OutboxStateError && error.code === 'stopped')
      throw new OutboxStateError('closed', 'drain: the outbox was closed before the queue was empty');
    throw error;
  }
}

function createOutbox(
  store: OutboxStore,
  queue: Queue,
  pause: ClusterPause,
  keys: readonly OutboxKey[],
  options: NormalizedOutboxOptions,
  emit: Emit,
): RevocationOutbox {
  const context = { queue, options, embedded: store.kind === 'embedded', emit };
  const enqueueContext = (name: 'enqueue' | 'enqueueBatch') => ({ ...context, key: sealingKey(keys, name) });
  let closed = false;
  let closing: Promise<void> | undefined;
  let workers: Workers | undefined;
  const { whileOpen, ifOpen, settled } = callsInFlight(() => closed);
  // An enqueue in the caller's transaction runs on the caller's connection: see callsInFlight.
  const enqueueCall = (options: unknown) => ((options as { db?: unknown } | null)?.db ? ifOpen : whileOpen);
  const ensureWorkers = (name: 'start' | 'drain'): Workers => {
    if (closed) throw closedError();
    const { client } = options;
    if (!client)
      throw new OutboxStateError('no_client', 'give openRevocationOutbox a client to start workers');
    sealingKey(keys, name);
    workers ??= new Workers({ queue, client, keys, options, pause, gate: { paused: false }, emit });
    return workers;
  };

  return {
    ...keyJobsOf(queue, keys, whileOpen),
    ...queueOperations(queue, pause, whileOpen, () => workers?.nudge()),
    storeKind: store.kind,
    enqueue: (tokens, enqueueOptions = {}) =>
      enqueueCall(enqueueOptions)(async () => {
        const job = await enqueueJob(enqueueContext('enqueue'), tokens, enqueueOptions);
        workers?.nudge();
        return job;
      }),
    enqueueBatch: (batch, batchOptions = {}) =>
      enqueueCall(batchOptions)(async () => {
        const jobs = await enqueueBatch(enqueueContext('enqueueBatch'), batch, batchOptions);
        workers?.nudge();
        return jobs;
      }),
    start() {
      ensureWorkers('start').start();
    },
    async stop() {
      await workers?.stop();
    },
    async drain(drainOptions = {}) {
      await untilDrained(ensureWorkers('drain'), signalOf(drainOptions), () => closed);
      return whileOpen(() => readStats(queue, pause));
    },
    close() {
      // Each call waits for the one close, so that any caller may reopen the directory right after.
      closed = true;
      closing ??= Promise.all([settled(), workers?.stop()]).then(() => closeQueue(queue, store, emit));
      return closing;
    },
  };
}

/** `drain`'s signal, its options checked like every other input's. */
function signalOf(drainOptions: unknown): AbortSignal | undefined {
  if (drainOptions === null || typeof drainOptions !== 'object')
    throw typeError('drain options', `must be an object, got ${describeType(drainOptions)}`);
  const { signal } = drainOptions as { signal?: unknown };
  assertSignal(signal, 'signal');
  return signal;
}
