import { LIMITS } from './defaults';
import { brandOf, errorClass, hasBrand } from './error-class';
import type { InputRangeError, InputTypeError } from './input-errors';
import { codeOfStatus, isRetryableStatus } from './retry-policy';
import type { OAuthErrorBody } from './wire';

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
   * client (it timed out, or its connection dropped after the request may have been written): the
   * token may be revoked although the call failed. False when no attempt can have revoked it: each
   * was answered with a refusal, or provably never left (a refused connection, a DNS failure, ...).
   * @default false
   */
  mayHaveRevoked?: boolean | undefined;
  /** The underlying error, e.g. the network failure. */
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
const CLASSES_BY_CODE = {
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

/** What the client knows about a failed response. */
interface FailedResponse {
  status: number;
  /** openapi-fetch's parsed error: the JSON body, the text when it is not JSON, or undefined when empty. */
  body: unknown;
  attempts: number;
  retryAfterMs?: number | undefined;
  /** Removes secrets from text that came from the server. */
  redact: (text: string) => string;
  /** Which endpoint answered (see {@link codeOfStatus}). @default 'revoke' */
  endpoint?: 'revoke' | 'token';
  /** @see RevocationErrorDetails.mayHaveRevoked */
  mayHaveRevoked?: boolean;
}

const OAUTH_ERROR_CODES: ReadonlySet<string> = new Set([
  'invalid_token',
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'invalid_scope',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_token_type',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
]);

/** How each code's message begins, before the status and what the server said. */
const MESSAGES: Record<RevocationErrorCode, string> = {
  invalid_token: 'DigiLocker answered that the token is invalid:',
  invalid_client: "DigiLocker refused the client's authentication:",
  rate_limited: 'DigiLocker rate-limited the request:',
  server_error: 'DigiLocker failed:',
  network_error: 'The request to DigiLocker failed:',
  timeout: 'DigiLocker timed out waiting for the request:',
  unsupported_token_type: 'DigiLocker does not revoke tokens of this type:',
  unauthorized_client: 'DigiLocker refused to let this client revoke the token:',
  unexpected_response: 'DigiLocker answered an unexpected',
};

/**
 * Maps a non-2xx response to the error class of its code (decided by the retry policy's
 * {@link codeOfStatus}). Text from the server is redacted, made printable and capped before it is stored.
 */
export function errorFromResponse(failure: FailedResponse): RevocationError {
  const { status, attempts, retryAfterMs } = failure;
  const parsed = parseOAuthError(failure.body);
  const error = parsed.body?.error;
  const description = parsed.body?.error_description;
  const code = codeOfStatus(status, { understood: parsed.understood, error, description }, failure.endpoint);
  const details: RevocationErrorDetails = {
    status,
    attempts,
    retryable: isRetryableStatus(status),
    retryAfterMs,
    mayHaveRevoked: failure.mayHaveRevoked,
    // Standard codes are kept as they are, so that a short secret cannot mangle them.
    oauthError:
      error === undefined || OAUTH_ERROR_CODES.has(error)
        ? error
        : serverText(error, failure.redact, LIMITS.maxOAuthErrorLength),
    oauthErrorDescription:
      description === undefined
        ? undefined
        : serverText(description, failure.redact, LIMITS.maxOAuthErrorDescriptionLength),
  };
  const said = details.oauthError
    ? ` (${details.oauthError}${details.oauthErrorDescription ? `: ${details.oauthErrorDescription}` : ''})`
    : '';
  const message =
    code === 'unexpected_response' && !parsed.understood
      ? `DigiLocker answered ${status} with an error body that is not an OAuth error`
      : `${MESSAGES[code]} ${status}${said}`;
  return new CLASSES_BY_CODE[code](message, details);
}

/**
 * Characters that would act on a terminal or a log line rather than be shown: C0 and C1 controls
 * (escape sequences, line breaks that forge log lines), DEL, and the bidirectional overrides and
 * isolates that reorder what is displayed.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the server as an error stores it: secrets redacted, unprintable characters as U+FFFD, capped. */
function serverText(text: string, redact: (text: string) => string, maxLength: number): string {
  return redact(text).replace(UNPRINTABLE, '\ufffd').slice(0, maxLength);
}

/**
 * An error body is understood when it is empty (the listing's bare 400) or an object whose `error`
 * and `error_description`, when present, are strings.
 */
function parseOAuthError(body: unknown): { understood: boolean; body?: OAuthErrorBody } {
  if (body === undefined || body === null || body === '') return { understood: true };
  if (typeof body !== 'object' || Array.isArray(body)) return { understood: false };
  const { error, error_description } = body as Record<string, unknown>;
  if (error !== undefined && typeof error !== 'string') return { understood: false };
  if (error_description !== undefined && typeof error_description !== 'string') return { understood: false };
  const parsed: OAuthErrorBody = {};
  if (error !== undefined) parsed.error = error;
  if (error_description !== undefined) parsed.error_description = error_description;
  return { understood: true, body: parsed };
}
