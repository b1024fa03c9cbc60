import type { JobInsert } from 'pg-boss';
import type { SignOutTokens } from '../results';
import { readSignOutTokens } from '../sign-out-tokens';
import { rangeError, typeError } from '../validate';
import type { OutboxKey } from './crypto';
import { EnqueueFailedError, StoreUnavailableError } from './errors';
import { aboutJob, type Emit, type JobFingerprints } from './events';
import { type CheckedEnqueueOptions, checkEnqueueOptions, type EnqueueOptions } from './input';
import { type NormalizedOutboxOptions, OUTBOX_DEFAULTS } from './options';
import { type PendingPayload, sealTokens } from './payload';
import { NotCommittedError } from './pool-executor';
import { NO_RETRY_LIMIT, type Queue } from './queue';
import type { SqlExecutor, Statement, TransactionalExecutor } from './store';
import { enqueueExecutorOf } from './store-postgres';

/** What `enqueue` (and each element of `enqueueBatch`) resolves to once the job is committed. */
export interface EnqueuedJob {
  /** The job's id (a UUID), in every event about it. */
  id: string;
  /** The fingerprints of its tokens. */
  fingerprints: JobFingerprints;
  /** When it will be given up. */
  expiresAt: Date;
}

/** What enqueueing needs. */
export interface EnqueueContext {
  queue: Queue;
  key: OutboxKey;
  options: NormalizedOutboxOptions;
  embedded: boolean;
  emit: Emit;
}

/** How long pg-boss keeps a job after its expiry (never run, or ended: completed or dead). */
const KEPT_AFTER_EXPIRY_SECONDS = 7 * 86_400;

/**
 * Validates (nothing is stored on bad input), encrypts, and commits one job through pg-boss's `send`;
 * resolves once the job is committed (with `db`: once it is part of the caller's transaction).
 */
export async function enqueueJob(
  context: EnqueueContext,
  tokens: SignOutTokens,
  options: EnqueueOptions,
): Promise<EnqueuedJob> {
  // Read once: the tokens sealed are those checked (see readSignOutTokens).
  const snapshot = readSignOutTokens(tokens);
  const checked = checkOptions(context, options, 'enqueue');
  const { id, data, ...jobOptions } = await sealJob(context, snapshot, checked);
  const { queue } = context;
  // The caller's transaction when given; else, on a PostgreSQL server, the store's enqueue pool (a
  // flood of enqueues waits there, not in front of the workers); else pg-boss's own (`undefined`).
  const db = checked.db ?? enqueueExecutorOf(queue.db);
  await queue.boss
    .send(queue.name, data, { id, ...jobOptions, ...(db ? { db: db as never } : {}) })
    .catch((error: unknown) => rethrowFailure(error, 'enqueue'));
  return announce(context, id, data);
}

/**
 * Validates and encrypts up to 10,000 sign-outs, then commits them in one transaction (all or none),
 * {@link INSERT_CHUNK} per pg-boss `insert` statement; with `db`, inside the caller's transaction
 * (they commit or roll back with it). Resolves with one {@link EnqueuedJob} each, in order.
 */
export async function enqueueBatch(
  context: EnqueueContext,
  batch: readonly SignOutTokens[],
  options: EnqueueOptions = {},
): Promise<EnqueuedJob[]> {
  const snapshots = readBatch(batch);
  const checked = checkOptions(context, options, 'enqueueBatch');
  const jobs = await Promise.all(snapshots.map((tokens) => sealJob(context, tokens, checked)));
  if (jobs.length > 0)
    await insertJobs(context.queue, jobs, checked.db).catch((error: unknown) =>
      rethrowFailure(error, 'enqueueBatch'),
    );
  return jobs.map((job) => announce(context, job.id, job.data));
}

function checkOptions(context: EnqueueContext, options: EnqueueOptions, name: string): CheckedEnqueueOptions {
  const now = Date.now();
  const checked = checkEnqueueOptions(options, now + context.options.defaultExpiresInSeconds * 1000, now);
  if (checked.db && context.embedded)
    throw typeError(
      'db',
      `(a transaction, given to ${name}) is for a PostgreSQL store; the embedded store has its own database`,
    );
  return checked;
}

/**
 * Reads every element once (see readSignOutTokens) and returns the snapshots, checked: an input error
 * (`invalid_token_input`) unless every element is a sign-out, its `input` and message naming the
 * position: `batch[3].refreshToken must not be empty`.
 */
function readBatch(batch: unknown): SignOutTokens[] {
  const code = 'invalid_token_input';
  if (!Array.isArray(batch))
    throw typeError('batch', 'must be an array of { accessToken?, refreshToken? }', code);
  const { length } = batch;
  if (length > MAX_BATCH) throw rangeError('batch', `must hold at most ${MAX_BATCH} sign-outs`, code);
  // An index loop: forEach and map skip the holes of a sparse array.
  const snapshots: SignOutTokens[] = [];
  for (let index = 0; index < length; index++)
    snapshots.push(readSignOutTokens(batch[index], `batch[${index}]`));
  return snapshots;
}

/** The most sign-outs of one `enqueueBatch`: one transaction. */
const MAX_BATCH = 10_000;

/**
 * The most jobs of one insert statement. PostgreSQL holds a statement's parameter (pg-boss's JSON of
 * every job) and the rows parsed from it until the statement ends, several times the JSON's size, and
 * the embedded store's WebAssembly memory, once grown, is never given back to the system: a statement
 * per chunk bounds that growth, whatever the batch.
 */
export const INSERT_CHUNK = 500;

/**
 * Inserts the jobs with pg-boss, {@link INSERT_CHUNK} per statement, in one transaction: the caller's
 * (`db`), else one of the store's own (on a PostgreSQL server, in the enqueue pool; embedded, as one
 * call to PGlite's thread, which runs nothing else meanwhile).
 */
async function insertJobs(queue: Queue, jobs: readonly JobInsert[], db: SqlExecutor | undefined) {
  const statements = await insertStatements(queue, jobs);
  if (db) return inCallersTransaction(db, statements);
  // Embedded, the queue's executor is the store's own (store-pglite.ts), which runs transactions.
  const store = enqueueExecutorOf(queue.db) ?? (queue.db as TransactionalExecutor);
  await store.executeInTransaction(statements);
}

/**
 * Runs the statements on the caller's `db`. Several are all or none only inside the caller's
 * transaction: on a connection outside one (a pg Pool, a client before BEGIN) each would commit on
 * its own, and a failure after the first would leave some jobs queued. So a SAVEPOINT comes first:
 * outside a transaction it fails (SQLSTATE 25P01) before anything is written.
 */
async function inCallersTransaction(db: SqlExecutor, statements: readonly Statement[]): Promise<void> {
  const several = statements.length > 1;
  if (several)
    await db.executeSql(`SAVEPOINT ${SAVEPOINT}`).catch((error: unknown) => {
      if ((error as { code?: unknown } | null)?.code !== NO_ACTIVE_TRANSACTION) throw error;
      throw typeError(
        'db',
        `must be a connection inside your transaction (after BEGIN): a batch of more than ${INSERT_CHUNK} ` +
          'sign-outs is several statements, all or none only in one transaction; nothing was committed',
      );
    });
  for (const { text, values } of statements) await db.executeSql(text, values);
  if (several) await db.executeSql(`RELEASE SAVEPOINT ${SAVEPOINT}`);
}

/** The savepoint of a batch in the caller's transaction, and the error outside of one. */
const SAVEPOINT = 'digilocker_outbox_batch';
const NO_ACTIVE_TRANSACTION = '25P01';

/**
 * pg-boss's insert statements for the jobs, {@link INSERT_CHUNK} at a time: recorded, not run, so that
 * they can run in one transaction. Recording them all first keeps the embedded store's one connection
 * free until they are sent: a transaction held open across calls to PGlite's thread would make every
 * other statement meanwhile wait for it (the workers'), and deadlock on one that `insert` itself sends
 * through pg-boss's own executor (reading its queue again after some errors).
 */
async function insertStatements(queue: Queue, jobs: readonly JobInsert[]): Promise<Statement[]> {
  const statements: Statement[] = [];
  const recorder: SqlExecutor = {
    async executeSql(text, values = []) {
      statements.push({ text, values });
      return { rows: [] };
    },
  };
  for (let start = 0; start < jobs.length; start += INSERT_CHUNK)
    await queue.boss.insert(queue.name, jobs.slice(start, start + INSERT_CHUNK), { db: recorder as never });
  return statements;
}

/**
 * One job, sealed, with pg-boss's options: retried with pg-boss's backoff (the outbox's retry policy)
 * until it expires. pg-boss deletes it, never run, a week after its expiry (`retentionSeconds`), or
 * ended, its lifetime plus a week after its end (`deleteAfterSeconds`: a dead job stays until it has
 * expired, for `retryDead()`). A job given only an access token, and no `expiresAt`, expires after
 * an hour (the token's lifetime).
 */
async function sealJob(
  context: EnqueueContext,
  tokens: SignOutTokens,
  checked: CheckedEnqueueOptions,
): Promise<JobInsert<PendingPayload> & { id: string; data: PendingPayload }> {
  const { options } = context;
  const now = Date.now();
  const expiresAtMs =
    checked.defaultExpiry && tokens.refreshToken === undefined
      ? now + Math.min(OUTBOX_DEFAULTS.accessTokenExpiresInSeconds, options.defaultExpiresInSeconds) * 1000
      : checked.expiresAtMs;
  const id = crypto.randomUUID();
  const data = await sealTokens(tokens, context.key, id, expiresAtMs, checked.ref);
  const kept = Math.ceil((expiresAtMs - now) / 1000) + KEPT_AFTER_EXPIRY_SECONDS;
  return {
    id,
    data,
    retryLimit: NO_RETRY_LIMIT,
    retryDelay: options.backoff.minDelaySeconds,
    retryBackoff: true,
    retryDelayMax: options.backoff.maxDelaySeconds,
    expireInSeconds: options.jobTimeoutSeconds,
    retentionSeconds: kept,
    deleteAfterSeconds: kept,
  };
}

function announce(context: EnqueueContext, id: string, data: PendingPayload): EnqueuedJob {
  const expiresAt = new Date(data.exp);
  context.emit({
    type: 'queued',
    ...aboutJob(id, { fingerprints: data.fp, ref: data.ref }),
    expiresAt: expiresAt.toISOString(),
  });
  return { id, fingerprints: data.fp, expiresAt };
}

/**
 * Says what a failed write committed. An error the server sent about the statement (a SQLSTATE, with
 * its severity) means it failed as a whole: nothing committed. So does a connection that was never
 * made (see {@link neverConnected}), and the store's own transaction ended before its COMMIT was sent
 * (a NotCommittedError: enqueueBatch on a PostgreSQL server, without `db`). Any other connection lost
 * before the answer leaves it unknown: enqueue's statement commits on its own, as one in `db` may (a
 * connection outside a transaction), and a COMMIT may have been carried out. Other errors (the
 * outbox's own: a timeout, a saturated pool) pass as they are.
 */
function rethrowFailure(error: unknown, name: string): never {
  if (error instanceof NotCommittedError)
    throw new EnqueueFailedError(
      `${name}: nothing was committed: ${error.message}; call ${name} again`,
      false,
      { cause: error.cause },
    );
  // Read by shape, not `instanceof Error`: the socket's errors may come from another realm.
  if (error === null || typeof error !== 'object') throw error;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  const message = String((error as { message?: unknown }).message).slice(0, 200);
  if (typeof severity === 'string' && typeof code === 'string')
    throw new EnqueueFailedError(
      `${name}: nothing was committed: the database refused the statement (SQLSTATE ${code}: ` +
        `${message}); call ${name} again`,
      false,
      { cause: error },
    );
  if (neverConnected(error))
    throw new EnqueueFailedError(
      `${name}: nothing was committed: no connection to the database could be made ` +
        `(${typeof code === 'string' ? `${code}: ` : ''}${message}); call ${name} again once it is back`,
      false,
      { cause: error },
    );
  if (CONNECTION_LOST.test(message) || CONNECTION_LOST.test(String(code)))
    throw new EnqueueFailedError(
      `${name}: the connection to the database was lost before its answer (${message}); ` +
        `the job(s) may have been committed, all of them, or none: calling ${name} again is harmless`,
      'unknown',
      { cause: error },
    );
  throw error;
}

/** node-postgres's messages and Node's codes for a connection lost in the middle of a statement. */
const CONNECTION_LOST = /Connection terminated|connection error|^(ECONNRESET|EPIPE|ETIMEDOUT)$/;

/**
 * Whether the statement never reached the server because no connection was made: a socket error of
 * the connect itself (`syscall` `connect`: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH...) or of the name's
 * lookup (`getaddrinfo`: ENOTFOUND, EAI_AGAIN), which node-postgres passes on as it is; an
 * AggregateError of such (Node trying each address of a name); or a StoreUnavailableError, which on
 * this path only comes from pg-boss reading its queue before the insert (through the store's
 * reconnecting executor, reconnect.ts: the insert itself goes to the enqueue pool, or the caller's
 * `db`, neither of which reconnects).
 */
function neverConnected(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const { syscall, errors } = (error ?? {}) as { syscall?: unknown; errors?: unknown };
  if (syscall === 'connect' || syscall === 'getaddrinfo') return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every(neverConnected);
}
