import type { Authenticator } from './auth';
import { NetworkError, type RevocationErrorCode, TimeoutError, UnexpectedResponseError } from './errors';
import type { RevocationEvent } from './events';
import type { NormalizedOptions } from './options';
import type { PauseGate } from './pause-gate';
import type { PreparedRequest } from './raw';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry-policy';

/** What one client brings to every call's attempts. */
export interface AttemptSettings {
  options: NormalizedOptions;
  authenticator: Authenticator;
  emit: ((event: RevocationEvent) => void) | undefined;
}

/** The state of one revocation call, read by the client once the attempts are over. */
export interface CallState {
  signal: AbortSignal | undefined;
  fingerprint: string;
  /** `clock.now()` when the call started: the time budget counts from here. */
  startedAt: number;
  /** Attempts made so far. */
  attempts: number;
  /** True once an attempt may have reached the server without its answer reaching us. */
  mayHaveRevoked: boolean;
  /** The last response's Retry-After, in milliseconds. */
  retryAfterMs: number | undefined;
  /** Shared by the workers of one revokeMany. */
  gate: PauseGate | undefined;
}

// Failures that prove the request never left: nothing can have been revoked.
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The fetch that openapi-fetch calls once per revocation: it runs the attempts of that one call. It
 * reuses the serialised body of the prepared request for every attempt, adds the
 * authentication before each attempt, bounds each attempt by its timeout (racing it against its own
 * signal, so an abort is never lost inside fetch), waits between attempts as the retry policy says,
 * and returns the final response with its body already read.
 */
export async function runAttempts(
  request: PreparedRequest,
  settings: AttemptSettings,
  state: CallState,
): Promise<Response> {
  const { options, authenticator, emit } = settings;
  const { retry, clock } = options;
  const { url, headers, body } = request;
  let resentAfter401 = false;
  // A revokeMany pause in force before the first attempt does not count against this call's budget:
  // the budget starts when the call may first send.
  if (state.gate) await state.gate.wait(clock, state.signal);
  const deadline = clock.now() + retry.maxElapsedMs;

  for (let attempt = 1; ; attempt++) {
    state.attempts = attempt;
    // Another worker may have been rate-limited while this one waited.
    if (attempt > 1 && state.gate) await state.gate.wait(clock, state.signal);
    if (state.signal?.aborted) throw state.signal.reason;
    const authorization = await authenticator.authorization(options, state.signal);
    if (authorization !== undefined) headers.set('authorization', authorization);

    const timeoutMs = Math.max(1, Math.min(options.timeoutMs, deadline - clock.now()));
    emit?.({ type: 'request', attempt, method: 'POST', url, fingerprint: state.fingerprint });
    const sentAt = clock.now();
    let answer: { response: Response; text: string };
    try {
      answer = await sendAttempt(
        options.fetch,
        url,
        { method: 'POST', headers, body, redirect: 'manual' },
        timeoutMs,
        state.signal,
      );
    } catch (error) {
      if (state.signal?.aborted) throw state.signal.reason;
      const failure = attemptFailure(error, attempt, timeoutMs);
      if (failure.code === 'timeout' || mayHaveReachedServer(error)) state.mayHaveRevoked = true;
      emit?.({ type: 'error', attempt, code: failure.code, fingerprint: state.fingerprint });
      const delay = waitBeforeRetry(backoffDelay(attempt, retry, options.random), state, clock);
      if (attempt >= retry.maxAttempts || clock.now() + delay >= deadline) throw failure;
      emit?.({
        type: 'retry',
        attempt,
        delayMs: delay,
        reason: failure.code,
        fingerprint: state.fingerprint,
      });
      await clock.sleep(delay, state.signal);
      continue;
    }

    const { response, text } = answer;
    const { status } = response;
    emit?.({
      type: 'response',
      attempt,
      status,
      durationMs: clock.now() - sentAt,
      fingerprint: state.fingerprint,
    });
    if (status === 401 && authenticator.canRefresh) {
      // The access token may have expired: the next request asks the token function for a fresh one,
      // and this call tries once more with it if its attempts allow.
      authenticator.rejected();
      if (!resentAfter401 && attempt < retry.maxAttempts && clock.now() < deadline) {
        resentAfter401 = true;
        emit?.({
          type: 'retry',
          attempt,
          delayMs: 0,
          reason: 'invalid_client',
          fingerprint: state.fingerprint,
        });
        continue;
      }
    }
    if (!isRetryableStatus(status)) return finalResponse(response, text, attempt);

    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    state.retryAfterMs = retryAfterMs;
    if (status === 429)
      state.gate?.pauseFor(retryAfterMs ?? backoffDelay(attempt, retry, options.random), clock);
    const delay = waitBeforeRetry(retryAfterMs ?? backoffDelay(attempt, retry, options.random), state, clock);
    if (attempt >= retry.maxAttempts || clock.now() + delay >= deadline)
      return finalResponse(response, text, attempt);
    emit?.({
      type: 'retry',
      attempt,
      delayMs: delay,
      reason: codeOfRetryableStatus(status),
      fingerprint: state.fingerprint,
    });
    await clock.sleep(delay, state.signal);
  }
}

/** The wait before the next attempt: the policy's delay, or longer while a revokeMany pause is in force. */
function waitBeforeRetry(delay: number, state: CallState, clock: NormalizedOptions['clock']): number {
  return state.gate ? Math.max(delay, state.gate.remaining(clock)) : delay;
}

/**
 * One attempt: fetch and read the whole body, within `timeoutMs`, stopping at once on abort. The
 * attempt is raced against our own timer and the caller's signal, so that it ends even when the fetch
 * implementation fails to follow its signal (nodejs/node#55428); the signal is still passed to fetch
 * so that a well-behaved one closes the socket.
 */
function sendAttempt(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): Promise<{ response: Response; text: string }> {
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    const stop = (reason: unknown) => {
      controller.abort(reason);
      reject(reason);
    };
    const timer = setTimeout(() => stop(new AttemptTimedOut()), timeoutMs);
    const onCallerAbort = () => stop(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    };
    init.signal = controller.signal;
    fetchAndRead(fetchImpl, url, init).then(
      (answer) => {
        settle();
        resolve(answer);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

async function fetchAndRead(fetchImpl: typeof globalThis.fetch, url: string, init: RequestInit) {
  const response = await fetchImpl(url, init);
  return { response, text: await response.text() };
}

/** The reason our own timer aborts an attempt with. */
class AttemptTimedOut extends Error {
  override name = 'TimeoutError';
  constructor() {
    super('The attempt timed out');
  }
}

function attemptFailure(error: unknown, attempt: number, timeoutMs: number): NetworkError | TimeoutError {
  const details = { attempts: attempt, retryable: true, cause: error };
  if (error instanceof AttemptTimedOut) {
    return new TimeoutError(`No complete answer from DigiLocker within ${timeoutMs} ms`, {
      ...details,
      cause: undefined,
    });
  }
  const code = systemErrorCode(error);
  return new NetworkError(`The request to DigiLocker failed${code ? ` (${code})` : ''}`, details);
}

/** False only when the failure proves the request was never sent (refused, unresolvable host). */
function mayHaveReachedServer(error: unknown): boolean {
  const code = systemErrorCode(error);
  return code === undefined || !NEVER_SENT_CODES.has(code);
}

/** The system error code (ECONNRESET, ...) of an error or of one of its causes. */
function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function codeOfRetryableStatus(status: number): RevocationErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  return 'server_error';
}

/** Hands the final response back to openapi-fetch with the body already read. */
function finalResponse(response: Response, text: string, attempt: number): Response {
  if (response.status < 200 || response.status > 599) {
    // e.g. an opaque redirect (status 0) in a browser: never a revocation.
    throw new UnexpectedResponseError(`DigiLocker answered with status ${response.status}`, {
      status: response.status,
      attempts: attempt,
      retryable: false,
    });
  }
  // openapi-fetch reads no body when Content-Length is 0 (the usual 200 of a revocation): the response
  // can go back as it is, although its body was read.
  if (text === '' && response.headers.get('content-length') === '0') return response;
  // An empty body costs nothing to wrap; a string body costs a stream.
  return new Response(text === '' || NULL_BODY_STATUSES.has(response.status) ? null : text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
