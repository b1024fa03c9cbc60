import type { RevocationError } from './errors';

/** How a call ended for its token. */
export interface RevocationResult {
  /** `'revoked'`, or `'already_invalid'` when DigiLocker said the token was not valid (and that was allowed). */
  outcome: 'revoked' | 'already_invalid';
  /**
   * False only when the token is reported revoked because an earlier attempt may have revoked it (a
   * timeout, a dropped connection, or a 500, 502 or 504), then "invalid token" on the retry.
   */
  confirmed: boolean;
  /** The HTTP status of the last response. */
  status: number;
  /** Attempts made. */
  attempts: number;
  /** Milliseconds from the call to its result. */
  durationMs: number;
}

/**
 * What happened to one token: its result, or the error it ended with. In `signOut` the error is always
 * a {@link RevocationError}; in `revokeMany` it may also be the TypeError or RangeError of an invalid
 * input, or the abort reason.
 */
export type TokenOutcome<E extends Error = RevocationError> =
  | { ok: true; result: RevocationResult }
  | { ok: false; error: E };

/** The tokens of one user's session, for `signOut`. */
export interface SignOutTokens {
  accessToken?: string;
  refreshToken?: string;
}

/**
 * What happened to one token of `signOut`: as {@link TokenOutcome}, or, when the client's credentials
 * were refused (`invalid_client`) for the token before it, `attempted: false` with that same error: no
 * request was sent for it, since it would have been refused too.
 */
export type SignOutTokenOutcome = TokenOutcome | { ok: false; error: RevocationError; attempted: false };

/** The result of `signOut`. */
export interface SignOutResult {
  refreshToken?: SignOutTokenOutcome;
  accessToken?: SignOutTokenOutcome;
  /** True when every token given ended revoked or already invalid. */
  complete: boolean;
}

/**
 * What happened to one input of `revokeMany`: never the token, only its position, your id and its
 * fingerprint (empty when the input was not a string).
 */
export type RevocationOutcome = {
  index: number;
  id?: string | number;
  fingerprint: string;
} & TokenOutcome<Error>;
