import { type Clock, realClock } from './clock';
import { DEFAULTS, ENVIRONMENTS, type Environment, LIMITS } from './defaults';
import type { RevocationEvent } from './events';
import type { BodyEncoding } from './raw';
import {
  assertPlainCredential,
  endpointUrl,
  integerInRange,
  oneOf,
  optionalBoolean,
  optionalFunction,
  positiveMs,
} from './validate';

export type { Clock } from './clock';
export { ENVIRONMENTS, type Environment } from './defaults';

/** A registered DigiLocker client's identifier and secret. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** How a client sends its credentials: HTTP Basic, or fields in the form body (RFC 6749 section 2.3.1). */
export type ClientAuthenticationMethod = 'client_secret_basic' | 'client_secret_post';

/** What the client passes to an access-token function each time it needs a token. */
export interface AccessTokenContext {
  /** True when the revoke endpoint just answered 401 to the previous token: return a fresh one. */
  forceRefresh: boolean;
  /** The client's base URL (with `/public`), from which a provider can derive the token endpoint. */
  baseUrl: string;
  /** The client's fetch implementation. */
  fetch: typeof globalThis.fetch;
  /** Aborts with the revocation call. */
  signal?: AbortSignal | undefined;
}

/** A bearer token for the listing's `oauthsecurity` scheme, or a function that returns one. */
export type AccessTokenSource = string | ((context: AccessTokenContext) => string | Promise<string>);

/** Retry settings. Delays follow exponential backoff with full jitter unless the server sends Retry-After. */
export interface RetryOptions {
  /**
   * Attempts in all, the first included.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * The backoff base: attempt n waits `random(0, min(maxDelayMs, baseDelayMs * 2 ** (n - 1)))`.
   * @default 200
   */
  baseDelayMs?: number;
  /**
   * The cap of one backoff delay (a Retry-After header is not capped by it, only by `maxElapsedMs`).
   * @default 5000
   */
  maxDelayMs?: number;
  /**
   * The time budget of one call, attempts and delays together; no attempt starts or runs past it.
   * @default 30000
   */
  maxElapsedMs?: number;
}

/** Options of {@link createRevocationClient}. Every option is validated when the client is created. */
export interface RevocationClientOptions {
  /**
   * The DigiLocker deployment to talk to.
   * @default 'sandbox'
   */
  environment?: Environment;
  /**
   * Overrides `environment`; must include `/public`. Plain `http:` is refused unless the host is
   * loopback (`localhost`, `127.0.0.0/8`, `::1`) or `allowInsecureHttp` is set.
   * @example 'http://127.0.0.1:8080/public'
   */
  baseUrl?: string | URL;
  /**
   * Allows a plain-`http:` `baseUrl` on a host that is not loopback. Credentials then cross the network in clear.
   * @default false
   */
  allowInsecureHttp?: boolean;
  /** Client credentials (the partner specification's authentication). Give this or `accessToken`. */
  credentials?: ClientCredentials;
  /**
   * How `credentials` are sent.
   * @default 'client_secret_basic'
   */
  clientAuthentication?: ClientAuthenticationMethod;
  /**
   * A bearer token (the listing's `oauthsecurity` scheme), or a function returning one, such as
   * {@link clientCredentialsTokenProvider}. A function is called before each attempt, and once with
   * `forceRefresh: true` after a 401. Give this or `credentials`.
   */
  accessToken?: AccessTokenSource;
  /**
   * `'form'` (application/x-www-form-urlencoded, what the partner specification documents) or `'json'`
   * (what the API listing shows). `'json'` cannot carry `client_secret_post` credentials.
   * @default 'form'
   */
  bodyEncoding?: BodyEncoding;
  /**
   * Retry settings, or `false` for a single attempt.
   * @default { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000, maxElapsedMs: 30000 }
   */
  retry?: false | RetryOptions;
  /**
   * The time limit of one attempt, from sending the request to reading the whole response.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * The fetch implementation, e.g. `createNodeTransport()` from `digilocker-revocation/node`.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Appended to the `User-Agent` header after `digilocker-revocation/<version>`.
   * @example 'my-app/2.1'
   */
  userAgent?: string;
  /** Receives an event at each step of each call; never a token or secret. Exceptions it throws are ignored. */
  onEvent?: (event: RevocationEvent) => void;
  /**
   * Resolve with `outcome: 'already_invalid'` instead of rejecting with `InvalidTokenError` when
   * DigiLocker answers that the token is invalid.
   * @default false
   */
  treatInvalidTokenAsRevoked?: boolean;
  /**
   * The clock used for backoff delays and durations. For tests.
   * @default the real clock (`performance.now()` or `Date.now()`, `setTimeout`)
   */
  clock?: Clock;
  /**
   * The random source of the backoff jitter, returning a number in [0, 1). For tests.
   * @default Math.random
   */
  random?: () => number;
}

/** Options after validation and defaults: what the rest of the code sees. */
export interface NormalizedOptions {
  baseUrl: string;
  credentials: ClientCredentials | undefined;
  clientAuthentication: ClientAuthenticationMethod;
  accessToken: AccessTokenSource | undefined;
  bodyEncoding: BodyEncoding;
  retry: Required<RetryOptions>;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  userAgent: string;
  onEvent: ((event: RevocationEvent) => unknown) | undefined;
  treatInvalidTokenAsRevoked: boolean;
  clock: Clock;
  random: () => number;
}

/** The package version, sent in `User-Agent`. */
export const VERSION = '0.1.0';

const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: DEFAULTS.maxAttempts,
  baseDelayMs: DEFAULTS.baseDelayMs,
  maxDelayMs: DEFAULTS.maxDelayMs,
  maxElapsedMs: DEFAULTS.maxElapsedMs,
};

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<keyof RevocationClientOptions>([
  'environment',
  'baseUrl',
  'allowInsecureHttp',
  'credentials',
  'clientAuthentication',
  'accessToken',
  'bodyEncoding',
  'retry',
  'timeoutMs',
  'fetch',
  'userAgent',
  'onEvent',
  'treatInvalidTokenAsRevoked',
  'clock',
  'random',
]);

/**
 * Validates options once and fills in defaults. Throws a TypeError or RangeError that names the
 * option and never repeats a secret's value.
 */
export function normalizeOptions(options: RevocationClientOptions): NormalizedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createRevocationClient(options): options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`Unknown option "${key.slice(0, 40)}"`);
  }
  const bodyEncoding = oneOf(
    'bodyEncoding',
    options.bodyEncoding,
    ['form', 'json'] as const,
    DEFAULTS.bodyEncoding,
  );
  const clientAuthentication = oneOf(
    'clientAuthentication',
    options.clientAuthentication,
    ['client_secret_basic', 'client_secret_post'] as const,
    DEFAULTS.clientAuthentication,
  );
  const { credentials, accessToken } = normalizeAuthentication(options);
  if (credentials && clientAuthentication === 'client_secret_post' && bodyEncoding === 'json') {
    throw new TypeError(
      'clientAuthentication "client_secret_post" needs bodyEncoding "form": the JSON body has no client fields',
    );
  }
  const fetchImpl = options.fetch === undefined ? globalThis.fetch : options.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new TypeError('fetch must be a function (no global fetch is available here)');
  }
  return {
    baseUrl: normalizeBaseUrl(options),
    credentials,
    clientAuthentication,
    accessToken,
    bodyEncoding,
    retry: normalizeRetry(options.retry),
    timeoutMs: positiveMs('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs),
    fetch: fetchImpl,
    userAgent: normalizeUserAgent(options.userAgent),
    onEvent: optionalFunction('onEvent', options.onEvent),
    treatInvalidTokenAsRevoked: optionalBoolean(
      'treatInvalidTokenAsRevoked',
      options.treatInvalidTokenAsRevoked,
    ),
    clock: normalizeClock(options.clock),
    random: optionalFunction('random', options.random) ?? Math.random,
  };
}

function normalizeAuthentication(options: RevocationClientOptions) {
  const { credentials, accessToken } = options;
  if ((credentials === undefined) === (accessToken === undefined)) {
    throw new TypeError('Give exactly one of the options credentials or accessToken');
  }
  if (credentials !== undefined) {
    if (credentials === null || typeof credentials !== 'object') {
      throw new TypeError('credentials must be an object { clientId, clientSecret }');
    }
    assertPlainCredential('credentials.clientId', credentials.clientId);
    assertPlainCredential('credentials.clientSecret', credentials.clientSecret);
    return {
      credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
      accessToken: undefined,
    };
  }
  if (typeof accessToken !== 'function') assertPlainCredential('accessToken', accessToken);
  return { credentials: undefined, accessToken };
}

function normalizeBaseUrl(options: RevocationClientOptions): string {
  const environment = oneOf(
    'environment',
    options.environment,
    Object.keys(ENVIRONMENTS) as Environment[],
    DEFAULTS.environment,
  );
  const allowInsecureHttp = optionalBoolean('allowInsecureHttp', options.allowInsecureHttp);
  if (options.baseUrl === undefined) return ENVIRONMENTS[environment];
  return endpointUrl('baseUrl', options.baseUrl, allowInsecureHttp);
}

function normalizeRetry(retry: RevocationClientOptions['retry']): Required<RetryOptions> {
  if (retry === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  if (retry === undefined) return DEFAULT_RETRY;
  if (retry === null || typeof retry !== 'object') throw new TypeError('retry must be false or an object');
  for (const key of Object.keys(retry)) {
    if (!(key in DEFAULT_RETRY)) throw new TypeError(`Unknown option "retry.${key.slice(0, 40)}"`);
  }
  const { maxAttempts, baseDelayMs, maxDelayMs, maxElapsedMs } = DEFAULT_RETRY;
  return {
    maxAttempts: integerInRange('retry.maxAttempts', retry.maxAttempts, 1, LIMITS.maxAttempts, maxAttempts),
    baseDelayMs: integerInRange('retry.baseDelayMs', retry.baseDelayMs, 0, LIMITS.maxTimerMs, baseDelayMs),
    maxDelayMs: integerInRange('retry.maxDelayMs', retry.maxDelayMs, 0, LIMITS.maxTimerMs, maxDelayMs),
    maxElapsedMs: positiveMs('retry.maxElapsedMs', retry.maxElapsedMs, maxElapsedMs),
  };
}

function normalizeUserAgent(suffix: unknown): string {
  const base = `digilocker-revocation/${VERSION}`;
  if (suffix === undefined) return base;
  if (typeof suffix !== 'string' || suffix.length > 200 || !/^[\x20-\x7e]*$/.test(suffix)) {
    throw new TypeError('userAgent must be a string of printable ASCII, at most 200 characters');
  }
  return suffix.trim() ? `${base} ${suffix.trim()}` : base;
}

function normalizeClock(clock: unknown): Clock {
  if (clock === undefined) return realClock;
  const candidate = clock as Clock | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.now !== 'function' ||
    typeof candidate.sleep !== 'function'
  ) {
    throw new TypeError('clock must be an object with now() and sleep(ms, signal)');
  }
  return candidate;
}
