/**
 * How a refused answer becomes an error: its class by the retry policy's code, and what the server
 * said, redacted, made printable and capped before it is stored.
 */
import { LIMITS } from './defaults';
import {
  CLASSES_BY_CODE,
  type RevocationError,
  type RevocationErrorCode,
  type RevocationErrorDetails,
} from './errors';
import { codeOfStatus, isRetryableStatus } from './retry-policy';
import { BODY_UNREAD, type OAuthErrorBody } from './wire';

/** What the client knows about a failed response. */
interface FailedResponse {
  status: number;
  /**
   * openapi-fetch's parsed error: the JSON body, the text when it is not JSON, undefined when empty, or
   * {@link BODY_UNREAD} when it could not be read (then the status decides alone).
   */
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
    code !== 'unexpected_response' || parsed.understood
      ? `${MESSAGES[code]} ${status}${said}`
      : failure.body === BODY_UNREAD
        ? `DigiLocker answered ${status}, and its body could not be read (reset or too slow)`
        : `DigiLocker answered ${status} with an error body that is not an OAuth error`;
  return new CLASSES_BY_CODE[code](message, details);
}

/**
 * Characters that would act on a terminal or a log line rather than be shown: C0 and C1 controls
 * (escape sequences, line breaks that forge log lines), DEL, the Unicode line and paragraph
 * separators (line breaks to JavaScript and many log viewers), the bidirectional marks, overrides
 * and isolates that reorder what is displayed, and half of a surrogate pair (not text: JSON escapes it
 * into six bytes).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\p{Cs}]/gu;

/** Text from the server as an error stores it: secrets redacted, unprintable characters as U+FFFD, capped. */
function serverText(text: string, redact: (text: string) => string, maxLength: number): string {
  // Cut before the replacement: a cut through a surrogate pair leaves half of it, which is replaced.
  return redact(text).slice(0, maxLength).replace(UNPRINTABLE, '\ufffd');
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
