import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { RevocationClient } from '../client';
import type { SignOutResult, SignOutTokens } from '../results';
import type { OutboxKey } from './crypto';
import { aboutJob, type Emit, type OutboxEvent } from './events';
import type { NormalizedOutboxOptions } from './options';
import type { ClusterPause } from './pause';
import {
  decodePayload,
  type FinalOutcome,
  type FinishedPayload,
  finishedPayload,
  openTokens,
  type PendingJob,
} from './payload';
import type { Queue } from './queue';
import { sendUnlessPaused } from './send';
import type { Slots } from './slots';

/** What the runner needs. */
export interface RunContext {
  queue: Queue;
  client: RevocationClient;
  keys: readonly OutboxKey[];
  options: NormalizedOutboxOptions;
  pause: ClusterPause;
  /** Whether the cluster is paused, as this instance last read it (see Workers). */
  gate: { paused: boolean };
  /** One per request in flight: `concurrency` of them. */
  slots: Slots;
  emit: Emit;
}

/**
 * What a failed run records in pg-boss (the job's `output`), read back by its next run: the code, and
 * whether a token may already be revoked (an attempt revoked one, or a run ended unrecorded).
 */
interface RunOutput {
  code: string;
  rv: boolean;
  /** For `unknown_key`: how many runs in a row found no key for the job. */
  misses?: number;
}

/**
 * How many runs in a row may find no key for a job sealed with a key this instance lacks: all but the
 * last give the job back (for an instance that holds the key: a rolling key rotation); the last ends
 * it dead, code `key_unavailable` (the key is lost, or a rotation was rolled back), so that `drain()`
 * ends. With the default backoff the dead run comes 43 to 85 minutes after the first. A dead job keeps
 * its ciphertext: `retryDead()` from an instance given the key sends it; `purgeDead()` deletes it.
 */
export const MAX_KEY_MISSES = 10;

/** How a run ends: the result for pg-boss, and, for a job that ended, the payload that replaces its data. */
export interface Run {
  result: JobResult;
  /** Written before pg-boss records the end (see jobs.ts): no ended job keeps its ciphertext. */
  ended?: { id: string; data: FinishedPayload };
}

/**
 * Runs one job that pg-boss handed to a worker and says how it ends, for pg-boss to record: completed
 * (revoked, already invalid, or expired: with the payload to wipe its ciphertext), failed (pg-boss
 * retries it after its backoff) or dead (`deadletter`: failed for good, kept with its ciphertext until
 * an operator acts).
 */
export async function runJob(job: JobWithMetadata<unknown>, context: RunContext): Promise<Run> {
  const data = decodePayload(job.data);
  if (data?.state !== 'pending') return { result: endOf(context, job, data) };
  const result = await runPending(job, data, context);
  const outcome = (result.output as { outcome?: FinalOutcome } | undefined)?.outcome;
  if (result.status !== 'completed' || outcome === undefined) return { result };
  return { result, ended: { id: job.id, data: finishedPayload(data, outcome) } };
}

/** A job that is not pending: ended already (its process stopped before pg-boss was told), or unreadable. */
function endOf(
  context: RunContext,
  job: JobWithMetadata<unknown>,
  data: ReturnType<typeof decodePayload>,
): JobResult {
  if (data?.state === 'ended') return { id: job.id, status: 'completed', output: { outcome: data.outcome } };
  return dead(context, job, { fingerprints: {}, ref: undefined }, 'invalid_payload');
}

async function runPending(
  job: JobWithMetadata<unknown>,
  data: PendingJob,
  context: RunContext,
): Promise<JobResult> {
  const { id } = job;
  const about = aboutJob(id, data);
  if (hasExpired(job, data)) {
    context.emit({ type: 'expired', ...about });
    return { id, status: 'completed', output: { outcome: 'expired' } };
  }
  if (!context.keys.some((key) => key.id === data.sealed.k)) return giveBack(context, job, data);
  let opened: ReturnType<typeof openTokens>;
  try {
    opened = openTokens(data, context.keys, id);
  } catch {
    // A key this instance holds cannot open it: altered, or moved from another job.
    return dead(context, job, data, 'undecryptable');
  }
  // Tokens the client refuses as input: no run could send them.
  if (opened === undefined) return dead(context, job, data, 'invalid_payload');
  for (const key of opened.refused) context.emit(refusedTokenEvent(id, key, data));
  const sent = await sendUnlessPaused(context, opened.tokens, () =>
    context.emit({ type: 'attempt', attempt: job.retryCount + 1, ...about }),
  );
  if (sent.paused) return failed(context, job, data, 'paused', revokedIn(sent.result));
  return settle(context, job, data, sent.result);
}

async function settle(
  context: RunContext,
  job: JobWithMetadata<unknown>,
  data: PendingJob,
  result: SignOutResult,
): Promise<JobResult> {
  const { id } = job;
  const attempt = job.retryCount + 1;
  const outcomes = [result.refreshToken, result.accessToken].filter((outcome) => outcome !== undefined);
  const revokedNow = revokedIn(result);
  if (result.complete) {
    // The ambiguity rule across runs: "invalid" after a lost run means that run revoked it.
    const outcome = revokedNow || mayHaveRevoked(job, data) ? 'revoked' : 'already_invalid';
    const confirmed =
      outcome === 'already_invalid' ||
      outcomes.some((o) => o.ok && o.result.outcome === 'revoked' && o.result.confirmed);
    context.emit({ type: 'revoked', ...aboutJob(id, data), attempt, outcome, confirmed });
    return { id, status: 'completed', output: { outcome } };
  }
  const errors = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.error]));
  // Refused by DigiLocker (or the token endpoint): a status. An access-token function that failed has
  // none; no request was sent, and the job is retried like any failure that may pass.
  if (errors.some((error) => error.code === 'invalid_client' && error.status !== undefined)) {
    context.gate.paused = true;
    await context.pause.credentialsRefused();
    context.emit({ type: 'paused', reason: 'invalid_client' });
    return failed(context, job, data, 'invalid_client', revokedNow, true);
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

/** Whether one of the sign-out's tokens was revoked by this run. */
function revokedIn(result: SignOutResult): boolean {
  return [result.refreshToken, result.accessToken].some(
    (outcome) => outcome?.ok === true && outcome.result.outcome === 'revoked',
  );
}

/**
 * Whether the job has expired, on the database's clock: its age when fetched (`startedOn` less
 * `createdOn`, both set by the database) against the lifetime it was given when sealed (`exp` less
 * `at`, both on the enqueuing machine's clock), so that neither machine's clock matters. A job sealed
 * by release 0.1 has no `at`: its expiry is compared with the database's time of the fetch.
 */
function hasExpired(job: JobWithMetadata<unknown>, data: PendingJob): boolean {
  const fetchedAt = new Date(job.startedOn).getTime();
  const expiresAt =
    data.sealedAtMs === undefined
      ? data.expiresAtMs
      : new Date(job.createdOn).getTime() + (data.expiresAtMs - data.sealedAtMs);
  return fetchedAt >= expiresAt;
}

/** Whether an earlier run may have revoked a token: it said so, or it ended unrecorded. */
function mayHaveRevoked(job: JobWithMetadata<unknown>, data: { revokedBefore?: boolean }): boolean {
  const previous = job.output as Partial<RunOutput> | null | undefined;
  // Release 0.1 kept this in the payload.
  if (data.revokedBefore) return true;
  if (job.retryCount === 0) return false;
  // A run that pg-boss ended (its process died: the job expired) left no code of ours.
  return typeof previous?.code !== 'string' || previous.rv === true;
}

/** Gives back a job sealed with a key this instance lacks, or ends it dead at {@link MAX_KEY_MISSES}. */
function giveBack(context: RunContext, job: JobWithMetadata<unknown>, data: PendingJob): JobResult {
  const previous = job.output as Partial<RunOutput> | null | undefined;
  const misses = (previous?.code === 'unknown_key' ? Number(previous.misses ?? 1) : 0) + 1;
  if (misses >= MAX_KEY_MISSES) return dead(context, job, data, 'key_unavailable');
  const result = failed(context, job, data, 'unknown_key', false);
  return { ...result, output: { ...result.output, misses } };
}

/**
 * The job failed this run and pg-boss retries it; a `retry_scheduled` event says so unless `announced`
 * (a pause, whose own event was emitted).
 */
function failed(
  context: RunContext,
  job: JobWithMetadata<unknown>,
  data: PendingJob,
  code: string,
  revokedNow: boolean,
  announced = code === 'paused',
): JobResult {
  const output: RunOutput = { code, rv: revokedNow || mayHaveRevoked(job, data) };
  if (!announced)
    context.emit({ type: 'retry_scheduled', ...aboutJob(job.id, data), attempt: job.retryCount + 1, code });
  return { id: job.id, status: 'failed', output };
}

function dead(
  context: RunContext,
  job: JobWithMetadata<unknown>,
  data: Pick<PendingJob, 'fingerprints' | 'ref'> & Partial<Pick<PendingJob, 'revokedBefore'>>,
  code: string,
  revokedNow = false,
): JobResult {
  context.emit({ type: 'dead', ...aboutJob(job.id, data), attempt: job.retryCount + 1, code });
  const output: RunOutput = { code, rv: revokedNow || mayHaveRevoked(job, data) };
  return { id: job.id, status: 'deadletter', output };
}

/** Said of a token that a job holds but no run can send (see openTokens); the job's other token is sent. */
function refusedTokenEvent(id: string, key: keyof SignOutTokens, data: PendingJob): OutboxEvent {
  const fingerprint = data.fingerprints[key] ?? '';
  const reason = 'which the client refuses as input (sealed by an earlier release): it is not sent';
  return { type: 'error', message: `job ${id}: its ${key} (fingerprint ${fingerprint}) is one ${reason}` };
}
