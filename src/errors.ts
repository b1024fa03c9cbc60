import type { OAuthErrorBody } from './raw';

/** The stable `code` of each {@link RevocationError} subclass. */
export type RevocationErrorCode =
  | 'invalid_token'
  | 'invalid_client'
  | 'rate_limited'
  | 'server_error'
  | 'network_error'
  | 'timeout'
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
  /** The underlying error, e.g. the network failure. */
  cause?: unknown;
}

/**
 * The base of every failure of a revocation call, except invalid input (TypeError, RangeError) and
 * abort (the signal's reason). Nothing secret is ever stored in it: no token, client secret or
 * Authorization header value. Each subclass fixes `code`.
 */
export class RevocationError extends Error {
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

  constructor(message: string, details: RevocationErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.oauthErrorDescription = details.oauthErrorDescription;
    this.attempts = details.attempts;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** A plain, secret-free object for structured logs: name, message, code and the details but `cause`. */
  toJSON() {
    return { ...this, name: this.name, message: this.message };
  }
}

/** DigiLocker answered that the token is invalid (400 with `invalid_token` or no error code). */
export class InvalidTokenError extends RevocationError {
  override readonly code = 'invalid_token';
}

/** The client's credentials or access token were refused (401, 403, or `invalid_client`). */
export class InvalidClientError extends RevocationError {
  override readonly code = 'invalid_client';
}

/** DigiLocker asked the client to slow down (429). */
export class RateLimitedError extends RevocationError {
  override readonly code = 'rate_limited';
}

/** DigiLocker failed on its side (5xx). */
export class ServerError extends RevocationError {
  override readonly code = 'server_error';
}

/** The request did not get a response: refused, reset or dropped connection, DNS failure. */
export class NetworkError extends RevocationError {
  override readonly code = 'network_error';
}

/** An attempt took longer than `timeoutMs` (or the time budget), or the server answered 408. */
export class TimeoutError extends RevocationError {
  override readonly code = 'timeout';
}

/** Anything else: an unexpected status, or an error body that cannot be understood. */
export class UnexpectedResponseError extends RevocationError {
  override readonly code = 'unexpected_response';
}

// Object keys survive minification where class names do not.
for (const [name, ErrorClass] of Object.entries({
  RevocationError,
  InvalidTokenError,
  InvalidClientError,
  RateLimitedError,
  ServerError,
  NetworkError,
  TimeoutError,
  UnexpectedResponseError,
})) {
  Object.defineProperty(ErrorClass.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** What the client knows about a failed response. */
export interface FailedResponse {
  status: number;
  /** openapi-fetch's parsed error: the JSON body, the text when it is not JSON, or undefined when empty. */
  body: unknown;
  attempts: number;
  retryable: boolean;
  retryAfterMs?: number | undefined;
  /** Removes secrets from text that came from the server. */
  redact: (text: string) => string;
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

/** Maps a non-2xx response to the error class its status and OAuth error code call for. */
export function errorFromResponse(failure: FailedResponse): RevocationError {
  const { status, attempts, retryable, retryAfterMs } = failure;
  const parsed = parseOAuthError(failure.body);
  const code = parsed.body?.error;
  const description = parsed.body?.error_description;
  const details: RevocationErrorDetails = {
    status,
    attempts,
    retryable,
    retryAfterMs,
    // Standard codes are kept as they are, so that a short secret cannot mangle them.
    oauthError: code === undefined || OAUTH_ERROR_CODES.has(code) ? code : failure.redact(code).slice(0, 200),
    oauthErrorDescription: description === undefined ? undefined : failure.redact(description).slice(0, 500),
  };
  const said = details.oauthError
    ? ` (${details.oauthError}${details.oauthErrorDescription ? `: ${details.oauthErrorDescription}` : ''})`
    : '';

  // The status decides where it says enough; the body decides only for 400 and other statuses.
  if (status === 401 || status === 403 || (parsed.understood && code === 'invalid_client')) {
    return new InvalidClientError(
      `DigiLocker refused the client's authentication: ${status}${said}`,
      details,
    );
  }
  if (status === 429) return new RateLimitedError(`DigiLocker rate-limited the request: 429${said}`, details);
  if (status === 408)
    return new TimeoutError(`DigiLocker timed out waiting for the request: 408${said}`, details);
  if (status >= 500 && status <= 599) return new ServerError(`DigiLocker failed: ${status}${said}`, details);
  if (!parsed.understood) {
    return new UnexpectedResponseError(
      `DigiLocker answered ${status} with an error body that is not an OAuth error`,
      details,
    );
  }
  if (status === 400 && (code === undefined || code === 'invalid_token')) {
    return new InvalidTokenError(`DigiLocker answered that the token is invalid: 400${said}`, details);
  }
  return new UnexpectedResponseError(`DigiLocker answered an unexpected ${status}${said}`, details);
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
