import type { Authenticator } from './auth';
import {
  isRevocationError,
  NetworkError,
  RateLimitedError,
  type RevocationError,
  TimeoutError,
  UnexpectedResponseError,
} from './errors';
import type { EventSink } from './events';
import type { NormalizedOptions } from './options';
import type { PauseGate } from './pause-gate';
import { raceWithDeadline } from './race';
import {
  type BodyEncoding,
  postRevocation,
  type RawClient,
  type RevocationFormBody,
  UnexpectedStatus,
} from './raw';
import { readCappedText } from './read-body';
import {
  codeOfRetryableStatus,
  decideRetry,
  isRetryableStatus,
  mayHaveReachedServer,
  parseRetryAfter,
  shouldResendAfter401,
  systemErrorCode,
} from './retry-policy';

/** What one client brings to the attempts of every call. */
export interface AttemptContext {
  options: NormalizedOptions;
  /** The generated client that sends attempts (not the user's `client.raw`). */
  raw: RawClient;
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
export interface FinalAnswer {
  status: number;
  /** The parsed error body (JSON, text, or undefined when empty); undefined for a 2xx. */
  body: unknown;
  retryAfterMs: number | undefined;
  attempts: number;
  /** True once an attempt may have reached the server without its answer reaching us. */
  mayHaveRevoked: boolean;
}

/** One attempt's result: DigiLocker's answer, or the failure that kept it from us. */
type AttemptResult =
  | { status: number; body: unknown; retryAfterMs: number | undefined }
  | { failure: NetworkError | TimeoutError; reachedServer: boolean };

/**
 * Runs the attempts of one call until an answer ends it. Before each attempt it waits out a shared
 * pause as far as the budget allows, authenticates (raced against the budget and the caller's signal),
 * sends one spec-typed request raced against the attempt's own deadline and the signal, and asks the
 * retry policy what next. Rejects with the final network, timeout or rate-limit failure (already
 * reported as an `error` event), or with `signal.reason` on abort; the caller maps a final answer.
 */
export async function runAttempts(call: Call, context: AttemptContext): Promise<FinalAnswer> {
  const { options, emit } = context;
  const { clock, retry } = options;
  const deadline = call.startedAt + retry.maxElapsedMs;
  let mayHaveRevoked = false;
  let resentAfter401 = false;
  for (let attempt = 1; ; attempt++) {
    await waitOutPause(call, context, deadline, attempt - 1);
    const authorization = await authorize(call, context, deadline, attempt - 1);
    const timeoutMs = Math.min(options.timeoutMs, deadline - clock.now());
    if (timeoutMs <= 0) throw report(call, context, budgetSpent(attempt - 1));
    emit?.({
      type: 'request',
      attempt,
      method: 'POST',
      url: options.baseUrl + REVOKE_URL_SUFFIX,
      fingerprint: call.fingerprint,
    });
    const sentAt = clock.now();
    const result = await sendAttempt(call, context, authorization, timeoutMs);
    const timeLeftMs = deadline - clock.now();
    const pausedMs = call.gate?.remaining(clock) ?? 0;
    const base = { ...retry, attempt, timeLeftMs, pausedMs, random: options.random };
    if ('failure' in result) {
      if (result.reachedServer) mayHaveRevoked = true;
      const failure = result.failure;
      Object.assign(failure, { attempts: attempt });
      report(call, context, failure);
      const decision = decideRetry({ ...base, retryAfterMs: undefined });
      if (!decision.retry) throw failure;
      await pauseBeforeRetry(call, context, attempt, decision.delayMs, failure.code);
      continue;
    }
    const { status } = result;
    emit?.({
      type: 'response',
      attempt,
      status,
      durationMs: clock.now() - sentAt,
      fingerprint: call.fingerprint,
    });
    const final: FinalAnswer = { ...result, attempts: attempt, mayHaveRevoked };
    if (status === 401 && context.authenticator.fetchHeader) {
      // The access token may have expired: the next attempt asks the token function for a fresh one.
      context.authenticator.rejected();
      if (
        shouldResendAfter401({
          attempt,
          maxAttempts: retry.maxAttempts,
          timeLeftMs,
          alreadyResent: resentAfter401,
        })
      ) {
        resentAfter401 = true;
        await pauseBeforeRetry(call, context, attempt, 0, 'invalid_client');
        continue;
      }
    }
    if (!isRetryableStatus(status)) return final;
    const decision = decideRetry({ ...base, retryAfterMs: result.retryAfterMs });
    if (status === 429) call.gate?.pauseFor(decision.waitMs, clock);
    if (!decision.retry) return final;
    await pauseBeforeRetry(call, context, attempt, decision.delayMs, codeOfRetryableStatus(status));
  }
}

/** The path the events name; the generated client builds the same URL from the spec's path. */
const REVOKE_URL_SUFFIX = '/oauth2/1/revoke';

/** Emits the `retry` event, then waits (0 ms waits resolve at once, without a timer). */
async function pauseBeforeRetry(
  call: Call,
  context: AttemptContext,
  attempt: number,
  delayMs: number,
  reason: RevocationError['code'],
): Promise<void> {
  context.emit?.({ type: 'retry', attempt, delayMs, reason, fingerprint: call.fingerprint });
  if (delayMs > 0) await context.options.clock.sleep(delayMs, call.signal);
}

/**
 * Waits while a revokeMany's shared pause is in force, but never past the call's budget: a pause that
 * outlasts what is left fails the call at once, with the wait DigiLocker asked for.
 */
async function waitOutPause(call: Call, context: AttemptContext, deadline: number, attempts: number) {
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
  context: AttemptContext,
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
    if (isRevocationError(error) && !call.signal?.aborted) report(call, context, error);
    throw error;
  }
}

/** One attempt: the spec-typed request raced against `timeoutMs` and the caller's signal; bodies capped. */
async function sendAttempt(
  call: Call,
  context: AttemptContext,
  authorization: string | undefined,
  timeoutMs: number,
): Promise<AttemptResult> {
  const headers =
    authorization === undefined ? context.headers : { ...context.headers, Authorization: authorization };
  try {
    return await raceWithDeadline(
      async (signal) => {
        const { response, data, error } = await postRevocation(context.raw, {
          body: call.body,
          encoding: context.encoding,
          headers,
          signal,
        });
        // A 2xx body is not needed, but reading (at most the cap of) it lets the connection be reused.
        if (response.ok) await readCappedText((data as ReadableStream<Uint8Array> | undefined) ?? null);
        const { status } = response;
        const retryAfter = isRetryableStatus(status) ? response.headers.get('retry-after') : null;
        return { status, body: error, retryAfterMs: parseRetryAfter(retryAfter, Date.now()) };
      },
      { timeoutMs, signal: call.signal, onTimeout: () => new AttemptTimedOut(timeoutMs) },
    );
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    return attemptFailure(call, context, error);
  }
}

/** The reason our own timer abandons an attempt with. */
class AttemptTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super('The attempt timed out');
  }
}

function attemptFailure(call: Call, context: AttemptContext, error: unknown): AttemptResult {
  if (error instanceof UnexpectedStatus) {
    throw report(
      call,
      context,
      new UnexpectedResponseError(error.message, { status: error.status, attempts: 0, retryable: false }),
    );
  }
  if (error instanceof AttemptTimedOut) {
    const failure = new TimeoutError(`No complete answer from DigiLocker within ${error.timeoutMs} ms`, {
      attempts: 0,
      retryable: true,
    });
    return { failure, reachedServer: true };
  }
  const code = systemErrorCode(error);
  const failure = new NetworkError(`The request to DigiLocker failed${code ? ` (${code})` : ''}`, {
    attempts: 0,
    retryable: true,
    cause: error,
  });
  return { failure, reachedServer: mayHaveReachedServer(error) };
}

/** The failure of a call whose time budget is spent before its next attempt could start. */
function budgetSpent(attempts: number): TimeoutError {
  return new TimeoutError("The call's time budget (retry.maxElapsedMs) was spent before the next attempt", {
    attempts,
    retryable: true,
  });
}

/** Reports a failure as an `error` event, once, and returns it. */
function report<E extends RevocationError>(call: Call, context: AttemptContext, failure: E): E {
  context.emit?.({
    type: 'error',
    attempt: failure.attempts,
    code: failure.code,
    fingerprint: call.fingerprint,
  });
  return failure;
}
