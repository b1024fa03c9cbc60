import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { RevocationClient } from '../client';
import type { SignOutResult } from '../results';
import type { OutboxKey } from './crypto';
import { aboutJob, type Emit } from './events';
import { wipePayload } from './jobs';
import type { NormalizedOutboxOptions } from './options';
import type { ClusterPause } from './pause';
import {
  type FinalOutcome,
  finishedPayload,
  isFinished,
  isPending,
  openTokens,
  type PendingPayload,
} from './payload';
import type { Queue } from './queue';

/** What the runner needs. */
export interface RunContext {
  queue: Queue;
  client: RevocationClient;
  keys: readonly OutboxKey[];
  options: NormalizedOutboxOptions;
  pause: ClusterPause;
  /** Whether the cluster is paused, as this instance last read it (see Workers). */
  gate: { paused: boolean };
  emit: Emit;
}

/**
 * What a failed run records in pg-boss (the job's `output`), read back by its next run: the code, and
 * whether a token may already be revoked (an attempt revoked one, or a run ended unrecorded).
 */
interface RunOutput {
  code: string;
  rv: boolean;
}

/**
 * Runs one job that pg-boss handed to a worker and says how it ends, for pg-boss to record: completed
 * (revoked, already invalid, or expired: its payload wiped first), failed (pg-boss retries it after its
 * backoff) or dead (`deadletter`: failed for good, kept with its ciphertext until an operator acts).
 */
export async function runJob(job: JobWithMetadata<unknown>, context: RunContext): Promise<JobResult> {
  const { data, id } = job;
  if (isFinished(data)) return { id, status: 'completed', output: { outcome: data.outcome } };
  if (!isPending(data)) return dead(context, job, { fp: {} }, 'invalid_payload');
  const about = aboutJob(id, data);
  if (data.exp <= Date.now()) {
    await end(context, id, data, 'expired');
    context.emit({ type: 'expired', ...about });
    return { id, status: 'completed', output: { outcome: 'expired' } };
  }
  if (!context.keys.some((key) => key.id === data.k)) return failed(context, job, data, 'unknown_key', false);
  let tokens: ReturnType<typeof openTokens>;
  try {
    tokens = openTokens(data, context.keys, id);
  } catch {
    // A key this instance holds cannot open it: altered, or moved from another job.
    return dead(context, job, data, 'undecryptable');
  }
  // Read before each request, so that an instance stops as soon as another's pause is committed.
  if (context.gate.paused || (await context.pause.current()))
    return failed(context, job, data, 'paused', false);
  context.emit({ type: 'attempt', attempt: job.retryCount + 1, ...about });
  return settle(context, job, data, await context.client.signOut(tokens));
}

async function settle(
  context: RunContext,
  job: JobWithMetadata<unknown>,
  data: PendingPayload,
  result: SignOutResult,
): Promise<JobResult> {
  const { id } = job;
  const attempt = job.retryCount + 1;
  const outcomes = [result.refreshToken, result.accessToken].filter((outcome) => outcome !== undefined);
  const revokedNow = outcomes.some((outcome) => outcome.ok && outcome.result.outcome === 'revoked');
  if (result.complete) {
    // The ambiguity rule across runs: "invalid" after a lost run means that run revoked it.
    const outcome = revokedNow || mayHaveRevoked(job) ? 'revoked' : 'already_invalid';
    const confirmed =
      outcome === 'already_invalid' ||
      outcomes.some((o) => o.ok && o.result.outcome === 'revoked' && o.result.confirmed);
    await end(context, id, data, outcome);
    context.emit({ type: 'revoked', ...aboutJob(id, data), attempt, outcome, confirmed });
    return { id, status: 'completed', output: { outcome } };
  }
  const errors = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.error]));
  if (errors.some((error) => error.code === 'invalid_client')) {
    context.gate.paused = true;
    await context.pause.credentialsRefused();
    context.emit({ type: 'paused', reason: 'invalid_client' });
    return failed(context, job, data, 'invalid_client', revokedNow);
  }
  const code = errors[0]?.code ?? 'unexpected_response';
  if (errors.every((error) => !error.retryable && error.code !== 'rate_limited'))
    return dead(context, job, data, code, revokedNow);
  const retryAfterMs = Math.max(0, ...errors.map((error) => error.retryAfterMs ?? 0));
  if (errors.some((error) => error.code === 'rate_limited')) {
    const delayMs = Math.min(context.options.maxRateLimitPauseMs, retryAfterMs);
    if (delayMs > 0) {
      context.gate.paused = true;
      await context.pause.rateLimited(delayMs);
      context.emit({ type: 'paused', reason: 'rate_limited', delayMs });
    }
  }
  return failed(context, job, data, code, revokedNow);
}

/** Whether an earlier run may have revoked a token: it said so, or it ended unrecorded. */
function mayHaveRevoked(job: JobWithMetadata<unknown>): boolean {
  const previous = job.output as Partial<RunOutput> | null | undefined;
  if (job.retryCount === 0) return false;
  // A run that pg-boss ended (its process died: the job expired) left no code of ours.
  return typeof previous?.code !== 'string' || previous.rv === true;
}

/** Replaces the job's payload with its outcome: the ciphertext is gone before pg-boss records the end. */
function end(context: RunContext, id: string, data: PendingPayload, outcome: FinalOutcome): Promise<void> {
  return wipePayload(context.queue, id, finishedPayload(data, outcome));
}

function failed(
  context: RunContext,
  job: JobWithMetadata<unknown>,
  data: PendingPayload,
  code: string,
  revokedNow: boolean,
): JobResult {
  const output: RunOutput = { code, rv: revokedNow || mayHaveRevoked(job) };
  if (code !== 'paused' && code !== 'invalid_client')
    context.emit({ type: 'retry_scheduled', ...aboutJob(job.id, data), attempt: job.retryCount + 1, code });
  return { id: job.id, status: 'failed', output };
}

function dead(
  context: RunContext,
  job: JobWithMetadata<unknown>,
  data: Pick<PendingPayload, 'fp' | 'ref'>,
  code: string,
  revokedNow = false,
): JobResult {
  context.emit({ type: 'dead', ...aboutJob(job.id, data), attempt: job.retryCount + 1, code });
  const output: RunOutput = { code, rv: revokedNow || mayHaveRevoked(job) };
  return { id: job.id, status: 'deadletter', output };
}
