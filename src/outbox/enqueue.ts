import type { SignOutTokens } from '../results';
import type { OutboxKey } from './crypto';
import type { Emit, JobFingerprints } from './events';
import { assertSignOutTokens, checkEnqueueOptions, type EnqueueOptions } from './input';
import { refreshStatistics } from './jobs';
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

/** A batch this large refreshes the planner's statistics of the queue (see refreshStatistics). */
const ANALYZE_AFTER_JOBS = 500;

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
    // pg-boss drops a job never run by then: well after its expiry, when the worker has ended it.
    retentionSeconds: Math.ceil((checked.expiresAtMs - now) / 1000) + RETENTION_AFTER_EXPIRY_SECONDS,
    ...(checked.db ? { db: checked.db as never } : {}),
  });
  const expiresAt = new Date(checked.expiresAtMs);
  const event = {
    type: 'queued',
    jobId: id,
    fingerprints: payload.fp,
    expiresAt: expiresAt.toISOString(),
  } as const;
  context.emit(checked.ref === undefined ? event : { ...event, ref: checked.ref });
  return { id, fingerprints: payload.fp, expiresAt };
}

/**
 * Validates and encrypts up to a batch of sign-outs, then commits them with one pg-boss `insert`
 * (one statement: all or none). Resolves with their ids, in order.
 */
export async function enqueueBatch(
  context: EnqueueContext,
  batch: readonly SignOutTokens[],
  options: Omit<EnqueueOptions, 'db'> = {},
): Promise<string[]> {
  if (!Array.isArray(batch))
    throw new TypeError('enqueueBatch: give an array of { accessToken?, refreshToken? }');
  if (batch.length > 10_000) throw new RangeError('enqueueBatch: at most 10000 sign-outs per batch');
  batch.forEach((tokens, index) => {
    try {
      assertSignOutTokens(tokens);
    } catch (error) {
      (error as Error).message = `[${index}] ${(error as Error).message}`;
      throw error;
    }
  });
  const now = Date.now();
  const checked = checkEnqueueOptions(options, now + context.options.defaultExpiresInSeconds * 1000, now);
  const jobs = await Promise.all(
    batch.map(async (tokens) => {
      const id = crypto.randomUUID();
      const expiresAtMs =
        options.expiresAt === undefined && tokens.refreshToken === undefined
          ? now + Math.min(3600, context.options.defaultExpiresInSeconds) * 1000
          : checked.expiresAtMs;
      const data = await sealTokens(tokens, context.key, id, expiresAtMs, checked.ref);
      const keepUntil = new Date(expiresAtMs + RETENTION_AFTER_EXPIRY_SECONDS * 1000).toISOString();
      const { jobTimeoutSeconds } = context.options;
      return {
        id,
        name: context.queue.name,
        data,
        retryLimit: NO_RETRY_LIMIT,
        retryDelay: 0,
        retryBackoff: false,
        expireInSeconds: jobTimeoutSeconds,
        keepUntil,
      };
    }),
  );
  if (jobs.length > 0) await context.queue.boss.insert(jobs);
  if (jobs.length >= ANALYZE_AFTER_JOBS) await refreshStatistics(context.queue);
  for (const job of jobs)
    context.emit({
      type: 'queued',
      jobId: job.id,
      fingerprints: job.data.fp,
      expiresAt: new Date(job.data.exp).toISOString(),
    });
  return jobs.map((job) => job.id);
}
