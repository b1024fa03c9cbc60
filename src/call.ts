import { type Answer, type NoAnswer, sendAttempt } from './attempt';
import { AccessTokenFunctionFailed, type Authenticator } from './auth';
import {
  InvalidClientError,
  isRevocationError,
  mayHaveRevokedCopy,
  RateLimitedError,
  type RevocationError,
  TimeoutError,
} from './errors';
import type { EventSink } from './events';
import type { NormalizedOptions } from './normalize-options';
import type { PauseGate } from './pause-gate';
import { raceWithDeadline } from './race';
import {
  codeOfRetryableStatus,
  decideRetry,
  isRetryableStatus,
  mayHaveRevokedBy,
  shouldResendAfter401,
} from './retry-policy';
import { type BodyEncoding, type RawClient, REVOKE_PATH, type RevocationFormBody } from './wire';

/** What one client brings to the attempts of every call. */
export interface CallContext {
  options: NormalizedOptions;
  /** The generated client that sends attempts (not the user's `client.raw`). */
  wire: RawClient;
  authenticator: Authenticator;
  emit: EventSink;
  /** `User-Agent`, and `Authorization` when it is fixed. */
  headers: Record<string, string>;
  encoding: BodyEncoding;
}

/** One revocation call: what its attempts send and what bounds them. */
export interface Call {
  body: RevocationFormBody;
  signal: AbortSignal | undefined;
  fingerprint: string;
  /** `clock.now()` when the call started (for revokeMany, when the pool started it): the budget counts from here. */
  startedAt: number;
  /** The pause shared by the workers of a revokeMany. */
  gate: PauseGate | undefined;
}

/** The response that ended a call, and what its attempts learned on the way. */
export interface CallAnswer {
  status: number;
  /** The parsed error body (JSON, text, or undefined when empty); undefined for a 2xx. */
  body: unknown;
  retryAfterMs: number | undefined;
  attempts: number;
  /** True once an attempt may have reached the server without its answer reaching us. */
  mayHaveRevoked: boolean;
}

/**
 * Runs the attempts of one call until an answer ends it. Before each attempt it waits out a shared
 * pause as far as the budget allows, authenticates (raced against the budget and the caller's signal),
 * sends one spec-typed request raced against the attempt's own deadline and the signal, and asks the
 * retry policy what next. Rejects with the final network, timeout or rate-limit failure (already
 * reported as an `error` event), or with `signal.reason` on abort; the caller maps a final answer.
 */
export async function runCall(call: Call, context: CallContext): Promise<CallAnswer> {
  const progress: Progress = {
    deadline: call.startedAt + context.options.retry.maxElapsedMs,
    mayHaveRevoked: false,
    resentAfter401: false,
  };
  try {
    for (let attempt = 1; ; attempt++) {
      const ended = await attemptOnce(call, context, progress, attempt);
      const verdict =
        'failure' in ended
          ? afterFailure(call, context, progress, attempt, ended)
          : afterAnswer(call, context, progress, attempt, ended);
      if ('final' in verdict) return verdict.final;
      context.emit?.({
        type: 'retry',
        attempt,
        delayMs: verdict.delayMs,
        reason: verdict.reason,
        mayHaveRevoked: progress.mayHaveRevoked,
        fingerprint: call.fingerprint,
      });
      if (verdict.delayMs > 0) await context.options.clock.sleep(verdict.delayMs, call.signal);
    }
  } catch (error) {
    // Whatever ended the call, an earlier attempt may have revoked the token: the error says so.
    throw progress.mayHaveRevoked && isRevocationError(error) ? mayHaveRevokedCopy(error) : error;
  }
}

/** What a call's attempts carry from one to the next. */
interface Progress {
  /** `clock.now()` past which no attempt starts or runs. */
  readonly deadline: number;
  /** True once an attempt may have reached the server without its answer reaching us. */
  mayHaveRevoked: boolean;
  resentAfter401: boolean;
}

/** After an attempt: the answer that ends the call, or the wait before the next attempt and why. */
type Verdict = { final: CallAnswer } | { delayMs: number; reason: RevocationError['code'] };

/** One attempt, from the shared pause to the answer; emits `request` and `response`. */
async function attemptOnce(call: Call, context: CallContext, progress: Progress, attempt: number) {
  const { options, emit } = context;
  const { clock } = options;
  // Most attempts meet no pause and a fixed header: they skip both awaits (a turn of the event loop each).
  if (call.gate && call.gate.remaining(clock) > 0)
    await waitOutPause(call, context, progress.deadline, attempt - 1);
  const authorization = context.authenticator.fetchHeader
    ? await authorize(call, context, progress.deadline, attempt - 1)
    : undefined;
  const timeoutMs = Math.min(options.timeoutMs, progress.deadline - clock.now());
  if (timeoutMs <= 0) throw report(call, context, budgetSpent(attempt - 1));
  const url = options.baseUrl + REVOKE_PATH;
  emit?.({ type: 'request', attempt, method: 'POST', url, fingerprint: call.fingerprint });
  const sentAt = clock.now();
  const headers =
    authorization === undefined ? context.headers : { ...context.headers, Authorization: authorization };
  const { wire, encoding } = context;
  const { body, signal } = call;
  const { secrets } = context.authenticator;
  const request = { wire, body, encoding, headers, timeoutMs, signal, attempt, secrets };
  const ended = await sendAttempt(request).catch((error: unknown) => {
    if (isRevocationError(error)) report(call, context, error);
    throw error;
  });
  if (!('failure' in ended)) {
    const durationMs = clock.now() - sentAt;
    emit?.({ type: 'response', attempt, status: ended.status, durationMs, fingerprint: call.fingerprint });
  }
  return ended;
}

/** A network failure or timeout: reported at once; retried if the policy allows, else thrown. */
function afterFailure(
  call: Call,
  context: CallContext,
  progress: Progress,
  attempt: number,
  noAnswer: NoAnswer,
): Verdict {
  const { failure } = noAnswer;
  if (noAnswer.reachedServer) progress.mayHaveRevoked = true;
  report(call, context, failure);
  if (!failure.retryable) throw failure; // a closed fetch: no later attempt can succeed on it
  const verdict = decideRetry({
    ...retryContext(call, context, progress, attempt),
    retryAfterMs: undefined,
  });
  if (!verdict.retry) throw failure;
  return { delayMs: verdict.delayMs, reason: failure.code };
}

/** An answer: final, or retried as the policy says; a 429 also pauses a revokeMany's other workers. */
function afterAnswer(
  call: Call,
  context: CallContext,
  progress: Progress,
  attempt: number,
  answer: Answer,
): Verdict {
  const { status, body, retryAfterMs } = answer;
  if (mayHaveRevokedBy(status)) progress.mayHaveRevoked = true;
  const final: CallAnswer = {
    status,
    body,
    retryAfterMs,
    attempts: attempt,
    mayHaveRevoked: progress.mayHaveRevoked,
  };
  if (status === 401 && context.authenticator.fetchHeader) {
    // The access token may have expired: the next attempt asks the token function for a fresh one.
    context.authenticator.rejected();
    const retry = retryContext(call, context, progress, attempt);
    if (shouldResendAfter401({ ...retry, alreadyResent: progress.resentAfter401 })) {
      progress.resentAfter401 = true;
      return { delayMs: 0, reason: 'invalid_client' };
    }
  }
  // The usual answer (a 200, a 400) ends the call without asking the clock or the policy anything.
  if (!isRetryableStatus(status)) return { final };
  const verdict = decideRetry({ ...retryContext(call, context, progress, attempt), retryAfterMs });
  if (status === 429) call.gate?.pauseFor(verdict.waitMs, context.options.clock);
  if (!verdict.retry) return { final };
  return { delayMs: verdict.delayMs, reason: codeOfRetryableStatus(status) };
}

/** What the retry policy needs to know, as of now. */
function retryContext(call: Call, context: CallContext, progress: Progress, attempt: number) {
  const { clock, retry, random } = context.options;
  return {
    ...retry,
    attempt,
    timeLeftMs: progress.deadline - clock.now(),
    pausedMs: call.gate?.remaining(clock) ?? 0,
    random,
  };
}

/**
 * Waits while a revokeMany's shared pause is in force, but never past the call's budget: a pause that
 * outlasts what is left fails the call at once, with the wait DigiLocker asked for.
 */
async function waitOutPause(call: Call, context: CallContext, deadline: number, attempts: number) {
  const { gate, signal } = call;
  const { clock } = context.options;
  if (!gate) return;
  for (let left = gate.remaining(clock); left > 0; left = gate.remaining(clock)) {
    if (left >= deadline - clock.now()) {
      const failure = new RateLimitedError(
        `DigiLocker asked to wait ${Math.ceil(left / 1000)} s, longer than what is left of the call's time budget`,
        { status: 429, attempts, retryable: true, retryAfterMs: Math.ceil(left) },
      );
      throw report(call, context, failure);
    }
    await clock.sleep(left, signal);
  }
}

/**
 * The Authorization header of the next attempt. A fixed one costs nothing; an access-token function is
 * raced against the call's budget and the caller's signal, like an attempt.
 */
async function authorize(
  call: Call,
  context: CallContext,
  deadline: number,
  attempts: number,
): Promise<string | undefined> {
  const { fetchHeader } = context.authenticator;
  if (!fetchHeader) return undefined;
  const timeoutMs = deadline - context.options.clock.now();
  if (timeoutMs <= 0) throw report(call, context, budgetSpent(attempts));
  try {
    return await raceWithDeadline(fetchHeader, {
      timeoutMs,
      signal: call.signal,
      onTimeout: () => budgetSpent(attempts),
    });
  } catch (error) {
    const failure =
      error instanceof AccessTokenFunctionFailed
        ? new InvalidClientError(error.message, { attempts, retryable: true, cause: error.cause })
        : error;
    if (isRevocationError(failure) && !call.signal?.aborted) report(call, context, failure);
    throw failure;
  }
}

/** The failure of a call whose time budget is spent before its next attempt could start. */
function budgetSpent(attempts: number): TimeoutError {
  return new TimeoutError("The call's time budget (retry.maxElapsedMs) was spent before the next attempt", {
    attempts,
    retryable: true,
  });
}

/** Reports a failure as an `error` event, once, and returns it. */
function report<E extends RevocationError>(call: Call, context: CallContext, failure: E): E {
  context.emit?.({
    type: 'error',
    attempt: failure.attempts,
    code: failure.code,
    fingerprint: call.fingerprint,
  });
  return failure;
}
