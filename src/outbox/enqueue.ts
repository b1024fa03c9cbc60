import type { SignOutTokens } from '../results';
import type { OutboxKey } from './crypto';
import { aboutJob, type Emit, type JobFingerprints } from './events';
import {
  assertSignOutTokens,
  type CheckedEnqueueOptions,
  checkEnqueueOptions,
  type EnqueueOptions,
} from './input';
import type { NormalizedOutboxOptions } from './options';
import { sealTokens } from './payload';
import { NO_RETRY_LIMIT, type Queue } from './queue';

/** What `enqueue` resolves to once the job is committed. */
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

const RETENTION_AFTER_EXPIRY_SECONDS = 7 * 86_400;

/**
 * Validates (nothing is stored on bad input), encrypts, and commits one job through pg-boss's `send`;
 * resolves once the job is committed (with `db`: once it is part of the caller's transaction).
 */
export async function enqueueJob(
  context: EnqueueContext,
  tokens: SignOutTokens,
  options: EnqueueOptions,
): Promise<EnqueuedJob> {
  assertSignOutTokens(tokens);
  const now = Date.now();
  const lifetime =
    tokens.refreshToken === undefined
      ? Math.min(3600, context.options.defaultExpiresInSeconds)
      : context.options.defaultExpiresInSeconds;
  const checked = checkEnqueueOptions(options, now + lifetime * 1000, now);
  if (checked.db && context.embedded)
    throw new TypeError(
      'enqueue: db (a transaction) is for a PostgreSQL store; the embedded store has its own database',
    );
  const id = crypto.randomUUID();
  const payload = await sealTokens(tokens, context.key, id, checked.expiresAtMs, checked.ref);
  const { queue } = context;
  await queue.boss.send(queue.name, payload, {
    id,
    retryLimit: NO_RETRY_LIMIT,
    retryDelay: 0,
    retryBackoff: false,
    expireInSeconds: context.options.jobTimeoutSeconds,
    ...keptUntilAfter(checked.expiresAtMs, now),
    ...(checked.db ? { db: checked.db as never } : {}),
  });
  const expiresAt = new Date(checked.expiresAtMs);
  context.emit({ type: 'queued', ...aboutJob(id, payload), expiresAt: expiresAt.toISOString() });
  return { id, fingerprints: payload.fp, expiresAt };
}

/**
 * Validates and encrypts up to a batch of sign-outs, then commits them with one pg-boss `insert`
 * (one statement: all or none); with `db`, inside the caller's transaction (they commit or roll back
 * with it). Resolves with their ids, in order.
 */
export async function enqueueBatch(
  context: EnqueueContext,
  batch: readonly SignOutTokens[],
  options: EnqueueOptions = {},
): Promise<string[]> {
  assertBatch(batch);
  const now = Date.now();
  const checked = checkEnqueueOptions(options, now + context.options.defaultExpiresInSeconds * 1000, now);
  if (checked.db && context.embedded)
    throw new TypeError(
      'enqueueBatch: db (a transaction) is for a PostgreSQL store; the embedded store has its own database',
    );
  const jobs = await Promise.all(
    batch.map((tokens) => sealJob(context, tokens, now, checked, options.expiresAt === undefined)),
  );
  if (jobs.length > 0)
    await context.queue.boss.insert(context.queue.name, jobs, checked.db ? { db: checked.db as never } : {});
  for (const job of jobs)
    context.emit({
      type: 'queued',
      ...aboutJob(job.id, job.data),
      expiresAt: new Date(job.data.exp).toISOString(),
    });
  return jobs.map((job) => job.id);
}

/** Throws a TypeError or RangeError, naming the position, unless every element is a sign-out. */
function assertBatch(batch: unknown): asserts batch is readonly SignOutTokens[] {
  if (!Array.isArray(batch))
    throw new TypeError('enqueueBatch: give an array of { accessToken?, refreshToken? }');
  if (batch.length > 10_000) throw new RangeError('enqueueBatch: at most 10000 sign-outs per batch');
  // An index loop: forEach and map skip the holes of a sparse array.
  for (let index = 0; index < batch.length; index++) {
    try {
      assertSignOutTokens(batch[index]);
    } catch (error) {
      (error as Error).message = `[${index}] ${(error as Error).message}`;
      throw error;
    }
  }
}

/** One job of a batch, sealed, as pg-boss's `insert` takes it. */
async function sealJob(
  context: EnqueueContext,
  tokens: SignOutTokens,
  now: number,
  checked: CheckedEnqueueOptions,
  defaultExpiry: boolean,
) {
  const id = crypto.randomUUID();
  const expiresAtMs =
    defaultExpiry && tokens.refreshToken === undefined
      ? now + Math.min(3600, context.options.defaultExpiresInSeconds) * 1000
      : checked.expiresAtMs;
  const data = await sealTokens(tokens, context.key, id, expiresAtMs, checked.ref);
  return {
    id,
    data,
    retryLimit: NO_RETRY_LIMIT,
    retryDelay: 0,
    retryBackoff: false,
    expireInSeconds: context.options.jobTimeoutSeconds,
    ...keptUntilAfter(expiresAtMs, now),
  };
}

/**
 * pg-boss drops a job never run, and an ended one (completed, or dead: no retry can help it once
 * expired), a week after its expiry.
 */
function keptUntilAfter(expiresAtMs: number, now: number) {
  const seconds = Math.ceil((expiresAtMs - now) / 1000) + RETENTION_AFTER_EXPIRY_SECONDS;
  return { retentionSeconds: seconds, deleteAfterSeconds: seconds };
}
