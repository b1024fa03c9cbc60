import { NetworkError, TimeoutError, UnexpectedResponseError } from './errors';
import { ignore } from './ignore';
import { raceWithDeadline } from './race';
import { readCappedText } from './read-body';
import { createRedactor } from './redact';
import {
  ATTEMPT_TIMED_OUT,
  failureCause,
  isAttemptTimeout,
  isRetryableFailure,
  isRetryableStatus,
  mayHaveReachedServer,
  parseRetryAfter,
  proxyRefusal,
  safely,
  systemErrorCode,
} from './retry-policy';
import {
  BODY_UNREAD,
  type BodyEncoding,
  BodyUnread,
  postRevocation,
  type RawClient,
  type RevocationFormBody,
  UnexpectedStatus,
} from './wire';

/** Everything one attempt sends, and its bounds. */
interface AttemptRequest {
  /** The generated client that sends attempts. */
  wire: RawClient;
  body: RevocationFormBody;
  encoding: BodyEncoding;
  headers: Record<string, string>;
  /** The attempt's own time limit, within what is left of the call's budget. */
  timeoutMs: number;
  /** The caller's signal. */
  signal: AbortSignal | undefined;
  /** The attempt's number, from 1. */
  attempt: number;
  /** The credentials' secrets (the token is the body's): what a failure never quotes. */
  secrets: () => readonly string[];
}

/** DigiLocker's answer to one attempt. */
export interface Answer {
  status: number;
  /** openapi-fetch's parsed error body, or {@link BODY_UNREAD} when the status came but its body did not. */
  body: unknown;
  retryAfterMs: number | undefined;
}

/** An attempt without an answer: the failure that kept it from us, and whether it may have arrived. */
export interface NoAnswer {
  failure: NetworkError | TimeoutError;
  reachedServer: boolean;
}

/**
 * One attempt: one call of the spec-typed operation through the client's fetch, raced against the
 * attempt's deadline and the caller's signal (`raceWithDeadline`, the one deadline mechanism). A 2xx is
 * the answer as soon as its status arrives; any other response's body is read once and capped, and
 * when it cannot be read (reset, too slow), the status alone is the answer.
 * Resolves with the answer or with the network failure or timeout; rejects with `signal.reason` on
 * abort, and with an UnexpectedResponseError for a status no response should have (a browser's opaque
 * redirect).
 */
export async function sendAttempt(request: AttemptRequest): Promise<Answer | NoAnswer> {
  const { timeoutMs, signal } = request;
  const revoked: { answer?: Answer } = {};
  try {
    return await raceWithDeadline((attemptSignal) => exchange(request, revoked, attemptSignal), {
      timeoutMs,
      signal,
      onTimeout,
    });
  } catch (error) {
    // A 2xx is the answer, even when the time ran out or the caller aborted while its body was read.
    if (revoked.answer) return revoked.answer;
    if (signal?.aborted) throw signal.reason;
    return failureOf(error, request);
  }
}

async function exchange(
  request: AttemptRequest,
  revoked: { answer?: Answer },
  signal: AbortSignal,
): Promise<Answer> {
  const { response, data, error } = await postRevocation(request.wire, {
    body: request.body,
    encoding: request.encoding,
    headers: request.headers,
    signal,
  });
  const { status } = response;
  if (response.ok) {
    // The token is revoked, whatever happens next. The unneeded body is read (at most the cap, within
    // the attempt's time) before the attempt settles, so that its connection is reused and stays
    // within the caller's concurrency: a body drained in the background would let a server that
    // trickles keep more connections open than the caller asked for.
    revoked.answer = { status, body: undefined, retryAfterMs: undefined };
    await readCappedText((data as ReadableStream<Uint8Array> | undefined) ?? null).catch(ignore);
    return revoked.answer;
  }
  return answerOf(response, error);
}

/** The answer of an error status: what the body said, and the wait a 429 or 503 asks for. */
function answerOf({ status, headers }: { status: number; headers: Headers }, body: unknown): Answer {
  const retryAfter = isRetryableStatus(status) ? headers.get('retry-after') : null;
  return { status, body, retryAfterMs: parseRetryAfter(retryAfter, Date.now()) };
}

/** What a system error code looks like (ECONNRESET, UND_ERR_SOCKET): only such a code is put in a message. */
const SYSTEM_CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

/** The reason our own timer abandons an attempt with. */
class AttemptTimedOut extends Error {
  readonly code = ATTEMPT_TIMED_OUT;
}

function onTimeout(): AttemptTimedOut {
  return new AttemptTimedOut();
}

/**
 * The failure of an attempt that got no full answer. An error status whose body could not be read is
 * an answer all the same: the status says whether the request was handled, a timeout or reset while
 * its body came does not. A timeout or network failure before the status is retried unless the
 * fetch is closed; it may have reached the server unless the fetch's rejection proves otherwise
 * (`mayHaveReachedServer`): a fetch that knows its request was never written says so in the error it
 * rejects with, which the deadline race lets through (see `raceWithDeadline`).
 */
function failureOf(error: unknown, request: AttemptRequest): Answer | NoAnswer {
  const { attempt } = request;
  const unexpected = safely(() => (error instanceof UnexpectedStatus ? error : undefined), undefined);
  if (unexpected) {
    throw new UnexpectedResponseError(unexpected.message, {
      status: unexpected.status,
      attempts: attempt,
      retryable: false,
    });
  }
  const unread = safely(() => (error instanceof BodyUnread ? error : undefined), undefined);
  if (unread) return answerOf(unread, BODY_UNREAD);
  const reachedServer = mayHaveReachedServer(error);
  const retryable = isRetryableFailure(error);
  if (isAttemptTimeout(error)) {
    const message = `No complete answer from DigiLocker within ${Math.round(request.timeoutMs)} ms`;
    return { failure: new TimeoutError(message, { attempts: attempt, retryable }), reachedServer };
  }
  // A custom fetch's error is the caller's: it may quote the request, so each word of it is redacted.
  const redact = createRedactor([request.body.token, ...request.secrets()]);
  const code = systemErrorCode(error);
  const shown = code !== undefined && SYSTEM_CODE.test(code) && redact(code) === code;
  const proxyStatus = proxyRefusal(error);
  const message =
    proxyStatus === undefined
      ? `The request to DigiLocker failed${shown ? ` (${code})` : ''}`
      : `A proxy refused the request to DigiLocker (${proxyStatus})`;
  const failure = new NetworkError(message, {
    attempts: attempt,
    retryable,
    cause: failureCause(error, redact),
  });
  return { failure, reachedServer };
}
