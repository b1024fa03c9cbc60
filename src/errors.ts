import { brandOf, errorClass, hasBrand } from './error-class';
import type { InputRangeError, InputTypeError } from './input-errors';

/** The stable `code` of each {@link RevocationError} subclass. */
export type RevocationErrorCode =
  | 'invalid_token'
  | 'invalid_client'
  | 'rate_limited'
  | 'server_error'
  | 'network_error'
  | 'timeout'
  | 'unsupported_token_type'
  | 'unauthorized_client'
  | 'unexpected_response';

/** What every revocation error carries besides its message. */
export interface RevocationErrorDetails {
  /** The HTTP status of the last response, when there was one. */
  status?: number | undefined;
  /** The OAuth `error` code from the response body, when present. */
  oauthError?: string | undefined;
  /** The OAuth `error_description` from the response body (secrets redacted), when present. */
  oauthErrorDescription?: string | undefined;
  /** Attempts made by the call. */
  attempts: number;
  /** Whether trying again later may succeed. */
  retryable: boolean;
  /** The delay the server asked for (Retry-After), in milliseconds, when known. */
  retryAfterMs?: number | undefined;
  /**
   * True when an attempt of the call may have reached DigiLocker without its answer reaching the
   * client (it timed out, its connection dropped after the request may have been written, or it was
   * answered 500, 502 or 504, which a gateway may send after DigiLocker revoked the token): the token
   * may be revoked although the call failed. False when no attempt can have revoked it: each was
   * answered with a refusal (a 429 or 503 among them), or provably never left (a refused connection,
   * a DNS failure, ...).
   * @default false
   */
  mayHaveRevoked?: boolean | undefined;
  /**
   * The underlying error. For a network failure, a copy of the fetch's error and its causes with only
   * their names, messages and codes (a fetch's errors can hold the server's raw bytes).
   */
  cause?: unknown;
}

/**
 * The base of every failure of a revocation call, except invalid input ({@link InputTypeError},
 * {@link InputRangeError}) and abort (the signal's reason). Nothing secret is ever stored in it: no
 * token, client secret or Authorization header value. Each subclass fixes `code`. `instanceof` holds
 * across the ESM and CommonJS builds (and copies of the package): see `error-class.ts`.
 */
export class RevocationError extends Error {
  static {
    errorClass(RevocationError, 'RevocationError');
  }
  /** A stable, machine-readable code. */
  declare readonly code: RevocationErrorCode;
  /** @see RevocationErrorDetails.status */
  readonly status: number | undefined;
  /** @see RevocationErrorDetails.oauthError */
  readonly oauthError: string | undefined;
  /** @see RevocationErrorDetails.oauthErrorDescription */
  readonly oauthErrorDescription: string | undefined;
  /** @see RevocationErrorDetails.attempts */
  readonly attempts: number;
  /** @see RevocationErrorDetails.retryable */
  readonly retryable: boolean;
  /** @see RevocationErrorDetails.retryAfterMs */
  readonly retryAfterMs: number | undefined;
  /** @see RevocationErrorDetails.mayHaveRevoked */
  readonly mayHaveRevoked: boolean;

  constructor(message: string, details: RevocationErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.oauthErrorDescription = details.oauthErrorDescription;
    this.attempts = details.attempts;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
    this.mayHaveRevoked = details.mayHaveRevoked ?? false;
  }

  /** A plain, secret-free object for structured logs: name, message, code and the details but `cause`. */
  toJSON() {
    return { ...this, name: this.name, code: this.code, message: this.message };
  }
}

const REVOCATION_ERROR = brandOf('RevocationError');

/**
 * True for an error of this package (any build, any copy): the portable form of
 * `error instanceof RevocationError`.
 */
export function isRevocationError(value: unknown): value is RevocationError {
  return hasBrand(value, REVOCATION_ERROR);
}

/** DigiLocker answered that the token is invalid (400 with `invalid_token` or no error code). */
export class InvalidTokenError extends RevocationError {
  static {
    errorClass(InvalidTokenError, 'InvalidTokenError');
  }
  override readonly code = 'invalid_token';
}

/** The client's credentials or access token were refused (401, 403, or `invalid_client`). */
export class InvalidClientError extends RevocationError {
  static {
    errorClass(InvalidClientError, 'InvalidClientError');
  }
  override readonly code = 'invalid_client';
}

/** DigiLocker asked the client to slow down (429). */
export class RateLimitedError extends RevocationError {
  static {
    errorClass(RateLimitedError, 'RateLimitedError');
  }
  override readonly code = 'rate_limited';
}

/** DigiLocker failed on its side (5xx). */
export class ServerError extends RevocationError {
  static {
    errorClass(ServerError, 'ServerError');
  }
  override readonly code = 'server_error';
}

/** The request did not get a response: refused, reset or dropped connection, DNS failure. */
export class NetworkError extends RevocationError {
  static {
    errorClass(NetworkError, 'NetworkError');
  }
  override readonly code = 'network_error';
}

/** An attempt took longer than `timeoutMs` (or the time budget), or the server answered 408. */
export class TimeoutError extends RevocationError {
  static {
    errorClass(TimeoutError, 'TimeoutError');
  }
  override readonly code = 'timeout';
}

/**
 * DigiLocker does not revoke tokens of this type (RFC 7009 section 2.2.1: 400 `unsupported_token_type`).
 * Not retried: the same request gets the same answer.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1
 */
export class UnsupportedTokenTypeError extends RevocationError {
  static {
    errorClass(UnsupportedTokenTypeError, 'UnsupportedTokenTypeError');
  }
  override readonly code = 'unsupported_token_type';
}

/**
 * DigiLocker refuses to let this client revoke this token, typically because it was issued to another
 * client (RFC 7009 section 2.1): a 400 or 403 with `unauthorized_client`, or with `invalid_request`
 * whose description says the client is not authorized. Told apart from a malformed answer
 * ({@link UnexpectedResponseError}); not retried.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export class UnauthorizedClientError extends RevocationError {
  static {
    errorClass(UnauthorizedClientError, 'UnauthorizedClientError');
  }
  override readonly code = 'unauthorized_client';
}

/** Anything else: an unexpected status, or an error body that cannot be understood. */
export class UnexpectedResponseError extends RevocationError {
  static {
    errorClass(UnexpectedResponseError, 'UnexpectedResponseError');
  }
  override readonly code = 'unexpected_response';
}

/** Each class by its code. */
export const CLASSES_BY_CODE = {
  invalid_token: InvalidTokenError,
  invalid_client: InvalidClientError,
  rate_limited: RateLimitedError,
  server_error: ServerError,
  network_error: NetworkError,
  timeout: TimeoutError,
  unsupported_token_type: UnsupportedTokenTypeError,
  unauthorized_client: UnauthorizedClientError,
  unexpected_response: UnexpectedResponseError,
} as const satisfies Record<RevocationErrorCode, typeof RevocationError>;

/**
 * `error` as the failure of a call an earlier attempt of which may have revoked the token: a copy with
 * `mayHaveRevoked: true` (the error may be shared, e.g. a token endpoint's failure, so it is not changed).
 */
export function mayHaveRevokedCopy(error: RevocationError): RevocationError {
  if (error.mayHaveRevoked) return error;
  return new CLASSES_BY_CODE[error.code](error.message, {
    ...error,
    cause: error.cause,
    mayHaveRevoked: true,
  });
}
