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
 * Authorization header value.
 */
export class RevocationError extends Error {
  /** A stable, machine-readable code. */
  readonly code: RevocationErrorCode;
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

  constructor(code: RevocationErrorCode, message: string, details: RevocationErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.oauthErrorDescription = details.oauthErrorDescription;
    this.attempts = details.attempts;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** A plain, secret-free object for structured logs. */
  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      oauthError: this.oauthError,
      oauthErrorDescription: this.oauthErrorDescription,
      attempts: this.attempts,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** DigiLocker answered that the token is invalid (400 with `invalid_token` or no error code). */
export class InvalidTokenError extends RevocationError {
  constructor(message: string, details: RevocationErrorDetails) {
    super('invalid_token', message, details);
  }
}

/** The client's credentials or access token were refused (401, 403, or `invalid_client`). */
export class InvalidClientError extends RevocationError {
  constructor(message: string, details: RevocationErrorDetails) {
    super('invalid_client', message, details);
  }
}

/** DigiLocker asked the client to slow down (429). */
export class RateLimitedError extends RevocationError {
  constructor(message: string, details: RevocationErrorDetails) {
    super('rate_limited', message, details);
  }
}

/** DigiLocker failed on its side (5xx). */
export class ServerError extends RevocationError {
  constructor(message: string, details: RevocationErrorDetails) {
    super('server_error', message, details);
  }
}

/** The request did not get a response: refused, reset or dropped connection, DNS failure. */
export class NetworkError extends RevocationError {
  constructor(message: string, details: RevocationErrorDetails) {
    super('network_error', message, details);
  }
}

/** An attempt took longer than `timeoutMs` (or the time budget), or the server answered 408. */
export class TimeoutError extends RevocationError {
  constructor(message: string, details: RevocationErrorDetails) {
    super('timeout', message, details);
  }
}

/** Anything else: an unexpected status, or an error body that cannot be understood. */
export class UnexpectedResponseError extends RevocationError {
  constructor(message: string, details: RevocationErrorDetails) {
    super('unexpected_response', message, details);
  }
}

for (const ErrorClass of [
  RevocationError,
  InvalidTokenError,
  InvalidClientError,
  RateLimitedError,
  ServerError,
  NetworkError,
  TimeoutError,
  UnexpectedResponseError,
]) {
  // A stable name that survives minification, on the prototype so it is not an own property.
  Object.defineProperty(ErrorClass.prototype, 'name', { value: ErrorClass.name, configurable: true });
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

/** Maps a non-2xx response to the error class its status and OAuth error code call for. */
export function errorFromResponse(failure: FailedResponse): RevocationError {
  const { status, attempts, retryable, retryAfterMs } = failure;
  const parsed = parseOAuthError(failure.body);
  const details: RevocationErrorDetails = {
    status,
    attempts,
    retryable,
    retryAfterMs,
    oauthError:
      parsed.body?.error === undefined ? undefined : failure.redact(parsed.body.error).slice(0, 200),
    oauthErrorDescription:
      parsed.body?.error_description === undefined
        ? undefined
        : failure.redact(parsed.body.error_description).slice(0, 500),
  };
  const code = details.oauthError;
  const said = code
    ? ` (${code}${details.oauthErrorDescription ? `: ${details.oauthErrorDescription}` : ''})`
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
