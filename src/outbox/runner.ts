import type { RevocationClient } from '../client';
import type { SignOutResult } from '../results';
import { retryDelaySeconds } from './backoff';
import type { Completions } from './completions';
import type { OutboxKey } from './crypto';
import { aboutJob, type Emit } from './events';
import { makeNextFailureFinal, scheduleRetry } from './jobs';
import type { NormalizedOutboxOptions } from './options';
import {
  type FinalOutcome,
  finishedPayload,
  isFinished,
  isPending,
  openTokens,
  type PendingPayload,
} from './payload';
import type { Queue } from './queue';

/** What a job's run asks of the workers. */
export type RunVerdict =
  | { kind: 'done' }
  | { kind: 'credentials_refused' }
  | { kind: 'rate_limited'; retryAfterMs: number };

/** A job as pg-boss's fetch returns it (with metadata): `retryCount` counts its earlier runs. */
export interface FetchedJob {
  id: string;
  data: unknown;
  retryCount: number;
}

/** What the runner needs. */
export interface RunContext {
  queue: Queue;
  client: RevocationClient;
  keys: readonly OutboxKey[];
  options: NormalizedOutboxOptions;
  emit: Emit;
  now: () => number;
  completions: Completions;
}

/**
 * Runs one job fetched from pg-boss: ends it expired when its time is up, else decrypts its tokens,
 * signs them out with the client (its own short retries included) and records the outcome in pg-boss:
 * completed (payload replaced by the outcome first), failed for a later retry, or dead.
 */
export async function runJob(job: FetchedJob, context: RunContext): Promise<RunVerdict> {
  const { emit } = context;
  const { data, id } = job;
  if (isFinished(data)) {
    // Its process ended it, then stopped before telling pg-boss.
    context.completions.record(id, data);
    return { kind: 'done' };
  }
  if (!isPending(data)) {
    await failFinally(context, id, 0, 'invalid_payload', { fp: {} });
    return { kind: 'done' };
  }
  const about = aboutJob(id, data);
  if (data.exp <= context.now()) {
    finish(context, id, data, 'expired', () => emit({ type: 'expired', ...about }));
    return { kind: 'done' };
  }
  if (!context.keys.some((key) => key.id === data.k)) {
    await releaseForAnotherKey(context, id, data);
    return { kind: 'done' };
  }
  let tokens: ReturnType<typeof openTokens>;
  try {
    tokens = openTokens(data, context.keys, id);
  } catch {
    // A key this instance holds cannot open it: altered, or moved from another job.
    await failFinally(context, id, data.n, 'undecryptable', data);
    return { kind: 'done' };
  }
  const attempt = data.n + 1;
  emit({ type: 'attempt', attempt, ...about });
  const result = await context.client.signOut(tokens);
  // An earlier run that ended unrecorded (its process died) may have revoked the tokens.
  const mayHaveRevoked = job.retryCount > data.n + (data.r ?? 0);
  return settle(context, id, data, result, mayHaveRevoked);
}

/**
 * The job was sealed with a key this instance does not hold (a rolling key rotation: another instance
 * already encrypts with a new key). It goes back to the queue, no attempt charged, for an instance that
 * holds the key; after the policy's first delay, so that it does not bounce between old instances.
 * Its expiry bounds this: once passed, any instance ends it as expired.
 */
async function releaseForAnotherKey(context: RunContext, id: string, data: PendingPayload): Promise<void> {
  const delay = retryDelaySeconds(context.options.backoff, 1, data.exp, context.now());
  const recorded = { n: data.n, r: (data.r ?? 0) + 1, rv: data.rv === true };
  await retryLater(context, id, data, recorded, delay, 'unknown_key', true);
}

async function settle(
  context: RunContext,
  id: string,
  data: PendingPayload,
  result: SignOutResult,
  mayHaveRevoked: boolean,
): Promise<RunVerdict> {
  const attempt = data.n + 1;
  const outcomes = [result.refreshToken, result.accessToken].filter((outcome) => outcome !== undefined);
  if (result.complete) {
    const results = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
    // The ambiguity rule across runs: "invalid" after a lost run means that run revoked it.
    const revoked = mayHaveRevoked || data.rv === true || results.some((r) => r.outcome === 'revoked');
    const outcome = revoked ? 'revoked' : 'already_invalid';
    const confirmed = !revoked || results.some((r) => r.outcome === 'revoked' && r.confirmed);
    finish(context, id, { ...data, n: attempt }, outcome, () =>
      context.emit({ type: 'revoked', ...aboutJob(id, data), attempt, outcome, confirmed }),
    );
    return { kind: 'done' };
  }
  const errors = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.error]));
  if (errors.some((error) => error.code === 'invalid_client')) {
    // Not the job's fault: back in the queue at once, no attempt charged.
    const recorded = { n: data.n, r: (data.r ?? 0) + 1, rv: data.rv === true };
    await retryLater(context, id, data, recorded, 1, 'invalid_client', false);
    return { kind: 'credentials_refused' };
  }
  const retryAfterMs = Math.max(0, ...errors.map((error) => error.retryAfterMs ?? 0));
  const code = errors[0]?.code ?? 'unexpected_response';
  if (errors.every((error) => !error.retryable && error.code !== 'rate_limited')) {
    await failFinally(context, id, attempt, code, data);
    return { kind: 'done' };
  }
  const delay = retryDelaySeconds(
    context.options.backoff,
    attempt,
    data.exp,
    context.now(),
    retryAfterMs / 1000,
  );
  const rv =
    data.rv === true || outcomes.some((outcome) => outcome.ok && outcome.result.outcome === 'revoked');
  await retryLater(context, id, data, { n: attempt, r: data.r ?? 0, rv }, delay, code, true);
  return errors.some((error) => error.code === 'rate_limited')
    ? { kind: 'rate_limited', retryAfterMs }
    : { kind: 'done' };
}

/** Records the job's end in the background; `announce` runs once it is committed. */
function finish(
  context: RunContext,
  id: string,
  data: PendingPayload,
  outcome: FinalOutcome,
  announce: () => void,
): void {
  context.completions.record(id, finishedPayload(data, outcome), announce);
}

async function retryLater(
  context: RunContext,
  id: string,
  data: PendingPayload,
  recorded: { n: number; r: number; rv: boolean },
  delaySeconds: number,
  code: string,
  announce: boolean,
): Promise<void> {
  await scheduleRetry(context.queue, id, delaySeconds, recorded, code);
  if (announce)
    context.emit({
      type: 'retry_scheduled',
      ...aboutJob(id, data),
      attempt: recorded.n,
      code,
      delayMs: delaySeconds * 1000,
    });
}

async function failFinally(
  context: RunContext,
  id: string,
  charged: number,
  code: string,
  data: Pick<PendingPayload, 'fp' | 'ref'>,
): Promise<void> {
  const { queue } = context;
  await makeNextFailureFinal(queue, id, charged);
  await queue.boss.fail(queue.name, id, { code });
  context.emit({ type: 'dead', ...aboutJob(id, data), attempt: charged, code });
}
