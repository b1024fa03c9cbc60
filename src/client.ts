import { type AttemptSettings, type CallState, runAttempts } from './attempts';
import { createAuthenticator } from './auth';
import { type RevocationBatchOptions, type RevocationOutcome, revokeInPool, type TokenInput } from './bulk';
import { errorFromResponse, InvalidTokenError, RevocationError } from './errors';
import { safeEventSink } from './events';
import { fingerprintNow } from './fingerprint';
import { assertToken } from './input';
import { assertCallOptions, assertSignal, normalizeOptions, type RevocationClientOptions } from './options';
import type { PauseGate } from './pause-gate';
import {
  createRawClient,
  postRevocation,
  type RawClient,
  type RevocationFormBody,
  type TokenTypeHint,
} from './raw';
import { createRedactor } from './redact';
import { isRetryableStatus } from './retry-policy';

/** How a call ended for its token. */
export interface RevocationResult {
  /** `'revoked'`, or `'already_invalid'` when DigiLocker said the token was not valid (and that was allowed). */
  outcome: 'revoked' | 'already_invalid';
  /**
   * False only when the token is reported revoked because an earlier attempt may have revoked it: a
   * timeout or dropped connection, then "invalid token" on the retry.
   */
  confirmed: boolean;
  /** The HTTP status of the last response. */
  status: number;
  /** Attempts made. */
  attempts: number;
  /** Milliseconds from the call to its result. */
  durationMs: number;
}

/** Options of one {@link RevocationClient.revoke} call. */
export interface RevokeOptions {
  /** `access_token` or `refresh_token`; without it DigiLocker looks the token up as both. */
  tokenTypeHint?: TokenTypeHint;
  /** Aborts the current attempt and any pending backoff; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The tokens of one user's session, for {@link RevocationClient.signOut}. */
export interface SignOutTokens {
  accessToken?: string;
  refreshToken?: string;
}

/** What happened to one token of a sign-out. */
export type TokenOutcome = { ok: true; result: RevocationResult } | { ok: false; error: RevocationError };

/** The result of {@link RevocationClient.signOut}. */
export interface SignOutResult {
  refreshToken?: TokenOutcome;
  accessToken?: TokenOutcome;
  /** True when every token given ended revoked or already invalid. */
  complete: boolean;
}

/** A DigiLocker revocation client; see {@link createRevocationClient}. */
export interface RevocationClient {
  /**
   * Revokes one token. Resolves on any 2xx, whatever its body; rejects with a {@link RevocationError}
   * subclass, with `signal.reason` on abort, and with a TypeError or RangeError for invalid input
   * (before any request).
   */
  revoke(token: string, options?: RevokeOptions): Promise<RevocationResult>;
  /**
   * Revokes a user's refresh token, then access token (DigiLocker invalidates the tokens of the same
   * grant); an invalid token counts as already revoked. Does not throw for a failed token, only for
   * invalid input or abort.
   */
  signOut(tokens: SignOutTokens, options?: { signal?: AbortSignal }): Promise<SignOutResult>;
  /**
   * Revokes many tokens with at most `concurrency` requests in flight, pulling input lazily; yields one
   * outcome per input, in completion order, never the token itself.
   */
  revokeMany(
    tokens: Iterable<TokenInput> | AsyncIterable<TokenInput>,
    options?: RevocationBatchOptions,
  ): AsyncIterable<RevocationOutcome>;
  /** The underlying openapi-fetch client, for the bare generated call (no auth, retries or timeouts). */
  readonly raw: RawClient;
}

/** What revoke, signOut and revokeMany share for one token. */
interface RevokeCall {
  token: string;
  hint: TokenTypeHint | undefined;
  signal: AbortSignal | undefined;
  treatInvalidTokenAsRevoked: boolean;
  fingerprint?: string;
  gate?: PauseGate;
}

/**
 * Creates a revocation client. Options are validated here, once: a bad option throws a TypeError or
 * RangeError naming it.
 *
 * @example
 * const client = createRevocationClient({
 *   environment: 'production',
 *   credentials: { clientId: process.env.DIGILOCKER_CLIENT_ID, clientSecret: process.env.DIGILOCKER_CLIENT_SECRET },
 * });
 * await client.revoke(refreshToken, { tokenTypeHint: 'refresh_token' });
 */
export function createRevocationClient(options: RevocationClientOptions): RevocationClient {
  const normalized = normalizeOptions(options);
  const authenticator = createAuthenticator(normalized);
  const emit = safeEventSink(normalized.onEvent);
  const settings: AttemptSettings = { options: normalized, authenticator, emit };
  const raw = createRawClient(normalized.baseUrl, normalized.fetch);
  const headers = { 'User-Agent': normalized.userAgent };
  const { clock } = normalized;

  async function revokeValidated(call: RevokeCall): Promise<RevocationResult> {
    const { token, signal } = call;
    if (signal?.aborted) throw signal.reason;
    const startedAt = clock.now();
    const state: CallState = {
      signal,
      fingerprint: call.fingerprint ?? (emit ? fingerprintNow(token) : ''),
      startedAt,
      attempts: 0,
      mayHaveRevoked: false,
      retryAfterMs: undefined,
      gate: call.gate,
    };
    const body: RevocationFormBody = { token };
    if (call.hint !== undefined) body.token_type_hint = call.hint;
    if (authenticator.bodyFields) Object.assign(body, authenticator.bodyFields);

    let answer: Awaited<ReturnType<typeof postRevocation>>;
    try {
      answer = await postRevocation(raw, {
        body,
        encoding: normalized.bodyEncoding,
        headers,
        fetch: (request) => runAttempts(request, settings, state),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof RevocationError)
        emit?.({ type: 'error', attempt: state.attempts, code: error.code, fingerprint: state.fingerprint });
      throw error;
    }

    const { response, error: errorBody } = answer;
    const result = (outcome: RevocationResult['outcome'], confirmed: boolean): RevocationResult => ({
      outcome,
      confirmed,
      status: response.status,
      attempts: state.attempts,
      durationMs: Math.round(clock.now() - startedAt),
    });
    if (response.ok) return result('revoked', true);

    const failure = errorFromResponse({
      status: response.status,
      body: errorBody,
      attempts: state.attempts,
      retryable: isRetryableStatus(response.status),
      retryAfterMs: state.retryAfterMs,
      redact: createRedactor([token, ...authenticator.secrets()]),
    });
    if (failure instanceof InvalidTokenError) {
      if (state.mayHaveRevoked) return result('revoked', false);
      if (call.treatInvalidTokenAsRevoked) return result('already_invalid', true);
    }
    emit?.({ type: 'error', attempt: state.attempts, code: failure.code, fingerprint: state.fingerprint });
    throw failure;
  }

  return {
    raw,

    revoke(token, revokeOptions = {}) {
      try {
        assertToken(token);
        assertCallOptions('revoke', revokeOptions);
      } catch (error) {
        return Promise.reject(error);
      }
      return revokeValidated({
        token,
        hint: revokeOptions.tokenTypeHint,
        signal: revokeOptions.signal,
        treatInvalidTokenAsRevoked: normalized.treatInvalidTokenAsRevoked,
      });
    },

    async signOut(tokens, signOutOptions = {}) {
      assertSignOutInput(tokens, signOutOptions);
      const { signal } = signOutOptions;
      const outcome: SignOutResult = { complete: true };
      const order = [
        ['refreshToken', 'refresh_token'],
        ['accessToken', 'access_token'],
      ] as const;
      for (const [key, hint] of order) {
        const token = tokens[key];
        if (token === undefined) continue;
        try {
          const result = await revokeValidated({ token, hint, signal, treatInvalidTokenAsRevoked: true });
          outcome[key] = { ok: true, result };
        } catch (error) {
          if (!(error instanceof RevocationError) || signal?.aborted) throw error;
          outcome[key] = { ok: false, error };
          outcome.complete = false;
        }
      }
      return outcome;
    },

    revokeMany(tokens, batchOptions = {}) {
      return revokeInPool(tokens, batchOptions, {
        clock,
        revoke: (token, hint, signal, fingerprint, gate) =>
          revokeValidated({
            token,
            hint,
            signal,
            treatInvalidTokenAsRevoked: normalized.treatInvalidTokenAsRevoked,
            fingerprint,
            gate,
          }),
      });
    },
  };
}

function assertSignOutInput(tokens: SignOutTokens, options: { signal?: AbortSignal }): void {
  if (tokens === null || typeof tokens !== 'object') {
    throw new TypeError('signOut(tokens): tokens must be an object { accessToken?, refreshToken? }');
  }
  if (tokens.accessToken === undefined && tokens.refreshToken === undefined) {
    throw new TypeError('signOut(tokens): give accessToken, refreshToken or both');
  }
  if (tokens.refreshToken !== undefined) assertToken(tokens.refreshToken, 'refreshToken');
  if (tokens.accessToken !== undefined) assertToken(tokens.accessToken, 'accessToken');
  if (options === null || typeof options !== 'object')
    throw new TypeError('signOut: options must be an object');
  assertSignal(options.signal);
}
