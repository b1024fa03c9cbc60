import { createAuthenticator } from './auth';
import { type RevocationBatchOptions, revokeInPool, type TokenInput } from './bulk';
import { type Call, type CallAnswer, type CallContext, runCall } from './call';
import { isRevocationError, type RevocationError, type RevocationErrorCode } from './errors';
import { type EventSink, safeEventSink } from './events';
import { fingerprintOf } from './fingerprint';
import { normalizeOptions } from './normalize-options';
import type { RevocationClientOptions } from './options';
import type { PauseGate } from './pause-gate';
import { createRedactor } from './redact';
import { errorFromResponse } from './response-error';
import type { RevocationOutcome, RevocationResult, SignOutResult, SignOutTokens } from './results';
import { readSignOutTokens } from './sign-out-tokens';
import { assertCallOptions, assertToken } from './validate';
import {
  createAttemptClient,
  createRawClient,
  type RawClient,
  type RevocationFormBody,
  type TokenTypeHint,
} from './wire';

/** Options of one {@link RevocationClient.revoke} call. */
export interface RevokeOptions {
  /** `access_token` or `refresh_token`; without it DigiLocker looks the token up as both. */
  tokenTypeHint?: TokenTypeHint;
  /** Aborts the current attempt and any pending backoff; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** A DigiLocker revocation client; see {@link createRevocationClient}. */
export interface RevocationClient {
  /**
   * Revokes one token. Resolves on any 2xx, whatever its body; rejects with a `RevocationError`
   * subclass, with `signal.reason` on abort, and with an input error for invalid input (before any
   * request).
   *
   * @throws {InputTypeError} or {InputRangeError} (`invalid_token_input`, `invalid_option`) for a bad
   * token or option, before any request
   * @throws {RevocationError} a subclass by its `code`: `invalid_token`, `invalid_client`,
   * `rate_limited`, `server_error`, `network_error`, `timeout`, `unsupported_token_type`,
   * `unauthorized_client`, `unexpected_response`
   * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}, the revocation request
   * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.2 | RFC 7009 §2.2}, the revocation response (§2.2.1: its error answers)
   * @example
   * const result = await client.revoke(refreshToken, { tokenTypeHint: 'refresh_token' });
   * result.outcome; // 'revoked' (or 'already_invalid' with treatInvalidTokenAsRevoked)
   */
  revoke(token: string, options?: RevokeOptions): Promise<RevocationResult>;
  /**
   * Revokes a user's refresh token, then access token (DigiLocker invalidates the tokens of the same
   * grant); an invalid token counts as already revoked. Does not throw for a failed token, only for
   * invalid input or abort. When the credentials are refused (`invalid_client`) for the first token,
   * the second is not sent: its outcome is `{ ok: false, error, attempted: false }` with that same error.
   *
   * @throws {InputTypeError} or {InputRangeError} for bad tokens or options, before any request
   * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}, the revocation request
   * @example
   * const { complete } = await client.signOut({ refreshToken, accessToken });
   * if (!complete) await outbox.enqueue({ refreshToken, accessToken }); // try again later
   */
  signOut(tokens: SignOutTokens, options?: { signal?: AbortSignal }): Promise<SignOutResult>;
  /**
   * Revokes many tokens with at most `concurrency` requests in flight, pulling input lazily; yields one
   * outcome per input, in completion order, never the token itself. An invalid input is an outcome
   * with its input error, not a throw.
   *
   * @throws {InputTypeError} or {InputRangeError} at once for `tokens` that is not iterable or bad
   * options
   * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}, the revocation request
   * @example
   * for await (const outcome of client.revokeMany(leakedTokens, { concurrency: 8 })) {
   *   if (!outcome.ok) console.error(outcome.index, outcome.fingerprint, outcome.error.message);
   * }
   */
  revokeMany(
    tokens: Iterable<TokenInput> | AsyncIterable<TokenInput>,
    options?: RevocationBatchOptions,
  ): AsyncIterable<RevocationOutcome>;
  /**
   * A plain openapi-fetch client of the spec, for the bare generated call (no authentication, retries
   * or timeouts). It is the client's own instance for you: middleware added to it never changes `revoke`.
   */
  readonly raw: RawClient;
}

/** One call as revoke, signOut and revokeMany hand it over. */
interface RevokeCall {
  token: string;
  hint: TokenTypeHint | undefined;
  signal: AbortSignal | undefined;
  treatInvalidTokenAsRevoked: boolean;
  fingerprint?: string;
  startedAt?: number;
  gate?: PauseGate;
}

/**
 * Creates a revocation client. Options are validated here, once: a bad option throws an input error
 * naming it. With `credentials`, the client authenticates as RFC 6749 §2.3.1 says (HTTP Basic by
 * default, or the body's client_id/client_secret).
 *
 * @throws {InputTypeError} or {InputRangeError} (`invalid_option`, with the option's name in `input`)
 * @see {@link https://www.rfc-editor.org/rfc/rfc7009#section-2.1 | RFC 7009 §2.1}, the revocation request
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 | RFC 6749 §2.3.1}, client password authentication
 *
 * @example
 * const client = createRevocationClient({
 *   environment: 'production',
 *   credentials: { clientId: process.env.DIGILOCKER_CLIENT_ID!, clientSecret: process.env.DIGILOCKER_CLIENT_SECRET! },
 * });
 * await client.revoke(refreshToken, { tokenTypeHint: 'refresh_token' });
 */
export function createRevocationClient(options: RevocationClientOptions): RevocationClient {
  const normalized = normalizeOptions(options);
  const { clock } = normalized;
  const authenticator = createAuthenticator(normalized);
  const headers: Record<string, string> = { 'User-Agent': normalized.userAgent };
  if (authenticator.header !== undefined) headers.Authorization = authenticator.header;
  const context: CallContext = {
    options: normalized,
    wire: createAttemptClient(normalized.baseUrl, normalized.fetch),
    authenticator,
    emit: safeEventSink(normalized.onEvent),
    headers,
    encoding: normalized.bodyEncoding,
  };
  const { aroundCall } = normalized;
  const revokeOne = aroundCall
    ? (call: RevokeCall) => aroundCall({ tokenTypeHint: call.hint }, () => revokeValidated(call, context))
    : (call: RevokeCall) => revokeValidated(call, context);

  return {
    raw: createRawClient(normalized.baseUrl, normalized.fetch),

    revoke(token, revokeOptions = {}) {
      try {
        assertToken(token);
        assertCallOptions('revoke', revokeOptions);
      } catch (error) {
        return Promise.reject(error);
      }
      const { tokenTypeHint: hint, signal } = revokeOptions;
      return revokeOne({
        token,
        hint,
        signal,
        treatInvalidTokenAsRevoked: normalized.treatInvalidTokenAsRevoked,
      });
    },

    signOut: (tokens, signOutOptions = {}) => signOut(tokens, signOutOptions, revokeOne),

    revokeMany(tokens, batchOptions = {}) {
      return revokeInPool(tokens, batchOptions, {
        clock,
        revoke: (call) =>
          revokeOne({ ...call, treatInvalidTokenAsRevoked: normalized.treatInvalidTokenAsRevoked }),
      });
    },
  };
}

/** One call, input already validated: the attempts, then the result or the error the answer amounts to. */
async function revokeValidated(call: RevokeCall, context: CallContext): Promise<RevocationResult> {
  const { token, signal } = call;
  const { clock } = context.options;
  if (signal?.aborted) throw signal.reason;
  const startedAt = call.startedAt ?? clock.now();
  const attemptCall: Call = {
    body: requestBody(token, call.hint, context),
    signal,
    fingerprint: call.fingerprint ?? (context.emit ? fingerprintOf(token) : ''),
    startedAt,
    gate: call.gate,
  };
  let answer: CallAnswer;
  try {
    answer = await runCall(attemptCall, context);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
  const result = (outcome: RevocationResult['outcome'], confirmed: boolean): RevocationResult => ({
    outcome,
    confirmed,
    status: answer.status,
    attempts: answer.attempts,
    durationMs: Math.round(clock.now() - startedAt),
  });
  if (answer.status >= 200 && answer.status <= 299) return result('revoked', true);
  const failure = errorFromResponse({
    status: answer.status,
    body: answer.body,
    attempts: answer.attempts,
    retryAfterMs: answer.retryAfterMs,
    redact: createRedactor([token, ...context.authenticator.secrets()]),
    mayHaveRevoked: answer.mayHaveRevoked,
  });
  if (failure.code === 'invalid_token') {
    if (answer.mayHaveRevoked) return result('revoked', false);
    if (call.treatInvalidTokenAsRevoked) return result('already_invalid', true);
  }
  reportError(context.emit, failure.attempts, failure.code, attemptCall.fingerprint);
  throw failure;
}

function requestBody(
  token: string,
  hint: TokenTypeHint | undefined,
  context: CallContext,
): RevocationFormBody {
  const body: RevocationFormBody = { token };
  if (hint !== undefined) body.token_type_hint = hint;
  const fields = context.authenticator.bodyFields;
  if (fields) {
    body.client_id = fields.client_id;
    body.client_secret = fields.client_secret;
  }
  return body;
}

function reportError(emit: EventSink, attempt: number, code: RevocationErrorCode, fingerprint: string) {
  emit?.({ type: 'error', attempt, code, fingerprint });
}

/** The refresh token first (DigiLocker then invalidates the grant's access tokens), then the access token. */
const SIGN_OUT_ORDER = [
  ['refreshToken', 'refresh_token'],
  ['accessToken', 'access_token'],
] as const;

async function signOut(
  tokens: SignOutTokens,
  options: { signal?: AbortSignal },
  revokeOne: (call: RevokeCall) => Promise<RevocationResult>,
): Promise<SignOutResult> {
  // Each token read once: what is sent is what was checked.
  const checked = readSignOutTokens(tokens);
  assertCallOptions('signOut', options, SIGN_OUT_OPTIONS);
  const { signal } = options;
  const outcome: SignOutResult = { complete: true };
  let refused: RevocationError | undefined;
  for (const [key, hint] of SIGN_OUT_ORDER) {
    const token = checked[key];
    if (token === undefined) continue;
    if (refused) {
      // The credentials were refused: the next request would be refused too, so it is not sent.
      outcome[key] = { ok: false, error: refused, attempted: false };
      continue;
    }
    try {
      const result = await revokeOne({ token, hint, signal, treatInvalidTokenAsRevoked: true });
      outcome[key] = { ok: true, result };
    } catch (error) {
      signal?.throwIfAborted(); // an abort rejects with its reason, whatever the token's call ended with
      if (!isRevocationError(error)) throw error;
      outcome[key] = { ok: false, error };
      outcome.complete = false;
      if (error.code === 'invalid_client') refused = error;
    }
  }
  return outcome;
}

const SIGN_OUT_OPTIONS: ReadonlySet<string> = new Set(['signal']);
