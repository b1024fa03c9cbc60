/**
 * Every default and limit of the package, in one place. The client, `signOut`, `revokeMany`, the token
 * provider, createNodeFetch, the mock and the CLI all read them from here.
 */

/** The DigiLocker deployments, each with its base URL (which includes `/public`). */
export const ENVIRONMENTS = {
  sandbox: 'https://betaapi.digitallocker.gov.in/public',
  production: 'https://digilocker.meripehchaan.gov.in/public',
  'legacy-production': 'https://api.digitallocker.gov.in/public',
} as const;

/** `'sandbox'`, `'production'` (MeriPehchaan) or `'legacy-production'`. */
export type Environment = keyof typeof ENVIRONMENTS;

/** The defaults of every option that has one. */
export const DEFAULTS = {
  /** The deployment used when neither `environment` nor `baseUrl` is given. */
  environment: 'sandbox',
  /** The body encoding of the partner specification. */
  bodyEncoding: 'form',
  /** How client credentials are sent. */
  clientAuthentication: 'client_secret_basic',
  /** Time limit of one attempt, from sending the request to reading the answer. */
  timeoutMs: 10_000,
  /** Time limit of one request to the token endpoint. */
  tokenTimeoutMs: 10_000,
  /** Attempts in all, the first included. */
  maxAttempts: 3,
  /** The backoff base. */
  baseDelayMs: 200,
  /** The cap of one backoff delay. */
  maxDelayMs: 5_000,
  /** The time budget of one call, attempts, delays and waiting on a shared pause together. */
  maxElapsedMs: 30_000,
  /** Requests in flight at most in `revokeMany`. */
  concurrency: 8,
  /** Connections per origin of `createNodeFetch`. */
  connections: 64,
} as const;

/** The bounds of every input and of everything a server controls. */
export const LIMITS = {
  /** The longest token, client id, secret or bearer accepted; DigiLocker's tokens are 40 hex characters. */
  maxTokenLength: 4096,
  /** The most attempts `retry.maxAttempts` may ask for. */
  maxAttempts: 20,
  /** The most requests `revokeMany` may keep in flight. */
  maxConcurrency: 1024,
  /** The longest delay a timer can be armed with (2^31 - 1 ms); longer ones fire at once in Node. */
  maxTimerMs: 2_147_483_647,
  /** The most bytes of a response body read; the rest is discarded unread and the connection released. */
  maxResponseBodyBytes: 64 * 1024,
  /** The most characters of a server's OAuth `error` kept in an error. */
  maxOAuthErrorLength: 200,
  /** The most characters of a server's `error_description` kept in an error. */
  maxOAuthErrorDescriptionLength: 500,
  /** The longest a token provider keeps an access token, whatever `expires_in` says (a day). */
  maxTokenLifetimeMs: 86_400_000,
} as const;

/** The longest token the client accepts ({@link LIMITS}.maxTokenLength). */
export const MAX_TOKEN_LENGTH = LIMITS.maxTokenLength;
