import { DEFAULTS, ENVIRONMENTS, type Environment, LIMITS } from './defaults';
import type { RevocationEvent } from './events';
import { assertPlainCredential, assertTokenTypeHint } from './input';
import type { BodyEncoding, TokenTypeHint } from './raw';

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

/** A clock the client waits with; tests inject one to make backoff exact and instant. */
export interface Clock {
  /** Milliseconds since some fixed point. */
  now(): number;
  /** Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
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
  onEvent: ((event: RevocationEvent) => void) | undefined;
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
const NO_RETRY: Required<RetryOptions> = { ...DEFAULT_RETRY, maxAttempts: 1 };
const MAX_TIMER_MS = LIMITS.maxTimerMs;

const KNOWN_OPTIONS = new Set<string>([
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
  const bodyEncoding = oneOf('bodyEncoding', options.bodyEncoding, ['form', 'json'] as const, 'form');
  const clientAuthentication = oneOf(
    'clientAuthentication',
    options.clientAuthentication,
    ['client_secret_basic', 'client_secret_post'] as const,
    'client_secret_basic',
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

/** Validates the per-call options shared by revoke, signOut and revokeMany. */
export function assertCallOptions(
  where: string,
  options: { tokenTypeHint?: TokenTypeHint | undefined; signal?: AbortSignal | undefined },
): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${where}: options must be an object`);
  if (options.tokenTypeHint !== undefined) assertTokenTypeHint(options.tokenTypeHint);
  assertSignal(options.signal);
}

/** Throws unless `signal` is undefined or an AbortSignal-like object. */
export function assertSignal(signal: unknown): void {
  if (signal === undefined) return;
  const candidate = signal as AbortSignal | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.aborted !== 'boolean' ||
    typeof candidate.addEventListener !== 'function'
  ) {
    throw new TypeError('signal must be an AbortSignal');
  }
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
    'sandbox',
  );
  const allowInsecureHttp = optionalBoolean('allowInsecureHttp', options.allowInsecureHttp);
  if (options.baseUrl === undefined) return ENVIRONMENTS[environment];
  if (typeof options.baseUrl !== 'string' && !(options.baseUrl instanceof URL)) {
    throw new TypeError('baseUrl must be a string or a URL');
  }
  let url: URL;
  try {
    url = new URL(String(options.baseUrl));
  } catch {
    throw new TypeError('baseUrl is not a valid absolute URL');
  }
  if (url.username || url.password) throw new TypeError('baseUrl must not contain credentials');
  if (url.search || url.hash) throw new TypeError('baseUrl must not have a query or fragment');
  if (url.protocol === 'http:') {
    if (!allowInsecureHttp && !isLoopback(url.hostname)) {
      throw new TypeError(
        'baseUrl uses plain http on a host that is not loopback; use https or set allowInsecureHttp: true',
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new TypeError('baseUrl must use https: (or http: on loopback)');
  }
  return url.href.replace(/\/+$/, '');
}

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function normalizeRetry(retry: RevocationClientOptions['retry']): Required<RetryOptions> {
  if (retry === false) return NO_RETRY;
  if (retry === undefined) return DEFAULT_RETRY;
  if (retry === null || typeof retry !== 'object') throw new TypeError('retry must be false or an object');
  for (const key of Object.keys(retry)) {
    if (!(key in DEFAULT_RETRY)) throw new TypeError(`Unknown option "retry.${key.slice(0, 40)}"`);
  }
  const maxAttempts = integerInRange(
    'retry.maxAttempts',
    retry.maxAttempts,
    1,
    20,
    DEFAULT_RETRY.maxAttempts,
  );
  const baseDelayMs = integerInRange(
    'retry.baseDelayMs',
    retry.baseDelayMs,
    0,
    MAX_TIMER_MS,
    DEFAULT_RETRY.baseDelayMs,
  );
  const maxDelayMs = integerInRange(
    'retry.maxDelayMs',
    retry.maxDelayMs,
    0,
    MAX_TIMER_MS,
    DEFAULT_RETRY.maxDelayMs,
  );
  const maxElapsedMs = positiveMs('retry.maxElapsedMs', retry.maxElapsedMs, DEFAULT_RETRY.maxElapsedMs);
  return { maxAttempts, baseDelayMs, maxDelayMs, maxElapsedMs };
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

/** The real clock: a monotonic `now()` and a `sleep` that stops at once on abort. */
export const realClock: Clock = {
  now: () => (globalThis.performance ? globalThis.performance.now() : Date.now()),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(`${name} must be one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  }
  return value as T;
}

function optionalBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function`);
  return value;
}

function positiveMs(name: string, value: unknown, fallback: number): number {
  return integerInRange(name, value, 1, MAX_TIMER_MS, fallback);
}

function integerInRange(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
