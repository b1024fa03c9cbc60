import type { RevocationErrorCode } from './errors';

/**
 * Every retry rule of the client, as pure functions: which answers are worth another attempt, the code
 * each answer is reported with, and how long to wait before the next attempt. The attempt loop, the
 * errors and the events all ask this module; none decides on its own.
 */

/** Statuses worth another attempt: timeouts, throttling and transient server failures. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** True for 408, 429, 500, 502, 503 and 504; never for any other 4xx. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * The error code of a non-2xx answer. The status decides where it says enough (408, 429 and 5xx
 * first, whatever the body says: the retry and its event already went by the status); the OAuth
 * `error` of a body that was understood decides for the others (`invalid_client` anywhere,
 * `invalid_token` or no code on a 400, RFC 7009 section 2.2.1's `unsupported_token_type`, and a
 * refusal to let this client revoke this token: see {@link isRefusalToRevoke});
 * `unexpected_response` for anything else. An answer of the token endpoint (`endpoint: 'token'`)
 * never speaks of the token to revoke: its 400, 401 and 403 refuse the client's grant (RFC 6749
 * section 5.2), `invalid_client`.
 */
export function codeOfStatus(
  status: number,
  oauth: { understood: boolean; error?: string | undefined; description?: string | undefined },
  endpoint: 'revoke' | 'token' = 'revoke',
): RevocationErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500 && status <= 599) return 'server_error';
  if (endpoint === 'token')
    return status === 400 || status === 401 || status === 403 ? 'invalid_client' : 'unexpected_response';
  if (isRefusalToRevoke(status, oauth)) return 'unauthorized_client';
  if (status === 401 || status === 403 || (oauth.understood && oauth.error === 'invalid_client'))
    return 'invalid_client';
  if (status === 400 && oauth.understood && oauth.error === 'unsupported_token_type')
    return 'unsupported_token_type';
  if (status === 400 && oauth.understood && (oauth.error === undefined || oauth.error === 'invalid_token'))
    return 'invalid_token';
  return 'unexpected_response';
}

/**
 * What an `invalid_request` says when it means "this client may not revoke this token": "client (is)
 * not authorized/allowed/permitted to", so that a malformed request's "... is not allowed" is not.
 */
const NOT_AUTHORIZED = /\bclient (?:is )?not (?:authori[sz]ed|allowed|permitted) to\b/i;

/**
 * True when the server refuses to let this client revoke this token (RFC 7009 section 2.1: the token
 * was issued to another client): a 400 or 403 with `unauthorized_client`, or with `invalid_request`
 * whose description says the client is not authorized (oidc-provider: "client is not authorized to
 * revoke the presented token").
 */
function isRefusalToRevoke(
  status: number,
  oauth: { understood: boolean; error?: string | undefined; description?: string | undefined },
): boolean {
  if ((status !== 400 && status !== 403) || !oauth.understood) return false;
  if (oauth.error === 'unauthorized_client') return true;
  return oauth.error === 'invalid_request' && NOT_AUTHORIZED.test(oauth.description ?? '');
}

/** The code of a retryable status, for `retry` events (no body needed: 408, 429 and 5xx decide alone). */
export function codeOfRetryableStatus(status: number): RevocationErrorCode {
  return codeOfStatus(status, { understood: false });
}

/**
 * The delay before attempt `attempt + 1`, after attempt `attempt` failed: exponential backoff with full
 * jitter, `random(0, min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)))`.
 */
export function backoffDelay(
  attempt: number,
  settings: { baseDelayMs: number; maxDelayMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** The latest time a `Date` can hold, in epoch milliseconds. */
const LATEST_DATE_MS = 8.64e15;
/** IMF-fixdate, the obsolete RFC 850 date and asctime's, as RFC 9110 section 5.6.7 lists them. */
const HTTP_DATE =
  /^(?:[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * A Retry-After header as milliseconds from `now` (epoch milliseconds): delta-seconds or an HTTP-date
 * in one of the three forms of RFC 9110 (`Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37
 * GMT`, `Sun Nov  6 08:49:37 1994`); undefined when absent or unreadable. A date in the past means no
 * wait. Never past the latest date a `Date` can hold, so that `new Date(now + ms)` always works.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, LATEST_DATE_MS - now);
  if (!HTTP_DATE.test(text)) return undefined;
  // asctime's form names no zone, and Date.parse would read it as local time: it is GMT.
  const date = Date.parse(text.endsWith('GMT') ? text : `${text} GMT`);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** What the loop knows when an attempt has failed in a way worth retrying. */
interface RetryContext {
  /** The attempt that just failed, from 1. */
  attempt: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Milliseconds left of the call's budget. */
  timeLeftMs: number;
  /** The server's Retry-After, in milliseconds, when it sent one. */
  retryAfterMs: number | undefined;
  /** Milliseconds left of a pause shared by a revokeMany's workers. */
  pausedMs: number;
  random: () => number;
}

/**
 * The verdict on a retryable failure. `waitMs` is what the server asked for (its Retry-After) or else
 * the backoff, drawn once: a 429 pauses a revokeMany's other workers for exactly that long. `delayMs`
 * is this call's wait before its next attempt, when there is one.
 */
type RetryVerdict = { retry: true; delayMs: number; waitMs: number } | { retry: false; waitMs: number };

/**
 * Whether and when to try again. The wait is the server's Retry-After or else the backoff, and at least
 * the shared pause; there is no next attempt once `maxAttempts` are spent or when the wait would reach
 * past the budget (the caller then reports the last failure at once).
 */
export function decideRetry(context: RetryContext): RetryVerdict {
  const waitMs = context.retryAfterMs ?? backoffDelay(context.attempt, context, context.random);
  const delayMs = Math.max(waitMs, context.pausedMs);
  if (context.attempt >= context.maxAttempts || delayMs >= context.timeLeftMs)
    return { retry: false, waitMs };
  return { retry: true, delayMs, waitMs };
}

/** Whether a 401 to a bearer token is worth one more attempt with a fresh token from the access-token function. */
export function shouldResendAfter401(context: {
  attempt: number;
  maxAttempts: number;
  timeLeftMs: number;
  alreadyResent: boolean;
}): boolean {
  return !context.alreadyResent && context.attempt < context.maxAttempts && context.timeLeftMs > 0;
}

/**
 * The `code` of a fetch's rejection (or of one of its causes) when its request was provably never
 * written, whatever stopped it (a deadline while it waited for a connection, a refused connection,
 * `close()`). `createNodeFetch` sets it; any fetch may.
 */
export const REQUEST_NOT_SENT = 'DIGILOCKER_REQUEST_NOT_SENT';

/**
 * The `code` of a fetch's rejection (or of one of its causes) once the fetch was closed: no later
 * attempt can succeed on it, so the failure is not retried. `createNodeFetch` sets it after `close()`.
 */
export const FETCH_CLOSED = 'DIGILOCKER_FETCH_CLOSED';

/**
 * The `code` of a fetch's rejection (or of one of its causes) when a proxy refused to open the tunnel
 * to DigiLocker; its numeric `status` is the proxy's answer (407: the proxy wants other credentials).
 * Nothing was sent to DigiLocker. `createNodeFetch` sets it; any fetch may.
 */
export const PROXY_REFUSED = 'DIGILOCKER_PROXY_REFUSED';

// Failures that prove the request never left: nothing can have been revoked. They all happen before
// a connection exists (name resolution, connecting, a local resource the socket needs).
const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  REQUEST_NOT_SENT,
  PROXY_REFUSED,
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'EMFILE',
  'ENFILE',
  'ENOMEM',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * False only when a failed attempt provably never reached the server: an error or one of its causes
 * has a code of {@link NEVER_SENT_CODES} ({@link REQUEST_NOT_SENT}, a refused connection, an unknown
 * host, no file descriptor left, ...). Then a later `invalid_token` cannot be the first attempt's
 * success. Anything else, a timeout included, may have reached it.
 */
export function mayHaveReachedServer(failure: unknown): boolean {
  return !errorCodes(failure).some((code) => NEVER_SENT_CODES.has(code));
}

/** The `code` of the reason an attempt's own timer abandons it with (`attempt.ts`). */
export const ATTEMPT_TIMED_OUT = 'DIGILOCKER_ATTEMPT_TIMED_OUT';

/**
 * Whether an answer with this status may come after DigiLocker revoked the token: a 500, 502 or 504 (a
 * gateway that gave up waiting for it, a crash while answering). A 503, like a 429, says the request
 * was not handled.
 */
export function mayHaveRevokedBy(status: number): boolean {
  return status === 500 || status === 502 || status === 504;
}

/** True when a failure is, or was caused by, an attempt's own timeout ({@link ATTEMPT_TIMED_OUT}). */
export function isAttemptTimeout(failure: unknown): boolean {
  return errorCodes(failure).includes(ATTEMPT_TIMED_OUT);
}

/**
 * False when no retry can help: the fetch is closed ({@link FETCH_CLOSED}), or a proxy refused the
 * tunnel with a 4xx ({@link PROXY_REFUSED}: its credentials or its policy, which a retry does not
 * change, and a proxy may lock an account out after a few failed logins). A proxy's 5xx is retried.
 */
export function isRetryableFailure(failure: unknown): boolean {
  return !causesOf(failure).some(
    ({ code, status }) =>
      code === FETCH_CLOSED || (code === PROXY_REFUSED && typeof status === 'number' && status < 500),
  );
}

/** The status a proxy refused the tunnel to DigiLocker with ({@link PROXY_REFUSED}), if one did. */
export function proxyRefusal(failure: unknown): number | undefined {
  const refusal = causesOf(failure).find((error) => error.code === PROXY_REFUSED);
  return typeof refusal?.status === 'number' ? refusal.status : undefined;
}

/** The system error code (ECONNRESET, ...) of an error or of one of its causes: the innermost one. */
export function systemErrorCode(error: unknown): string | undefined {
  return errorCodes(error).at(-1);
}

/**
 * What a failure keeps as its `cause` of the error a fetch rejected with: each error of the chain
 * reduced to its name, message and string `code`, each through `redact` ({@link CAUSE_DEPTH} levels at
 * most). A fetch's errors can carry what the server sent, which may echo the request's token and
 * credentials, and `util.inspect` prints every property: undici's HTTPParserError keeps the raw
 * response as `data`. A custom fetch's error may quote the request in any of them.
 */
export function failureCause(
  error: unknown,
  redact: (text: string) => string,
  depth = CAUSE_DEPTH,
): Error | undefined {
  if (!depth || error === null || typeof error !== 'object') return;
  const read = (key: string) => safely(() => (error as Record<string, unknown>)[key], undefined);
  const text = (key: string) => redact(safely(() => String(read(key)), ''));
  const code = read('code');
  const cause = read('cause');
  return Object.assign(
    new Error(text('message')),
    { name: text('name') },
    typeof code === 'string' && { code: redact(code) },
    cause !== undefined && { cause: failureCause(cause, redact, depth - 1) },
  );
}

/**
 * `read()`, or `fallback` when it throws: for what a fetch rejected with, whose getters, `toString` and
 * Proxy traps are the fetch's code, and may throw an error that quotes the request.
 */
export function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** How deep a failure's causes are looked into. */
const CAUSE_DEPTH = 4;

/** The string `code`s of an error and of its causes, outermost first ({@link CAUSE_DEPTH} at most). */
function errorCodes(error: unknown): string[] {
  return causesOf(error).flatMap(({ code }) => (typeof code === 'string' ? [code] : []));
}

/** An error and its causes ({@link CAUSE_DEPTH} at most), each property read safely. */
function causesOf(error: unknown): { code: unknown; status: unknown }[] {
  const chain: { code: unknown; status: unknown }[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < CAUSE_DEPTH && current !== null && typeof current === 'object'; depth++) {
    const at = current as { code?: unknown; status?: unknown; cause?: unknown };
    chain.push({ code: safely(() => at.code, undefined), status: safely(() => at.status, undefined) });
    current = safely(() => at.cause, undefined);
  }
  return chain;
}
