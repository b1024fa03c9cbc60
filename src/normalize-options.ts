import { type Clock, realClock } from './clock';
import { DEFAULTS, ENVIRONMENTS, type Environment, LIMITS } from './defaults';
import type { RevocationEvent } from './events';
import { InputTypeError } from './input-errors';
import type {
  AccessTokenSource,
  ClientAuthenticationMethod,
  ClientCredentials,
  RetryOptions,
  RevocationClientOptions,
} from './options';
import { VERSION } from './options';
import {
  assertBearerToken,
  assertKnownKeys,
  assertOptions,
  assertPlainCredential,
  endpointUrl,
  integerInRange,
  oneOf,
  optionalBoolean,
  optionalFunction,
  positiveMs,
  typeError,
} from './validate';
import type { BodyEncoding } from './wire';

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
  aroundCall: RevocationClientOptions['aroundCall'];
  treatInvalidTokenAsRevoked: boolean;
  clock: Clock;
  random: () => number;
}

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
  'aroundCall',
  'treatInvalidTokenAsRevoked',
  'clock',
  'random',
]);

/**
 * Validates options once and fills in defaults. Throws a TypeError or RangeError that names the
 * option and never repeats a secret's value.
 */
export function normalizeOptions(options: RevocationClientOptions): NormalizedOptions {
  assertOptions('createRevocationClient(options)', options, KNOWN_OPTIONS);
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
    throw typeError(
      'clientAuthentication',
      '"client_secret_post" needs bodyEncoding "form": the JSON body has no client fields',
    );
  }
  const fetchImpl = options.fetch === undefined ? globalThis.fetch : options.fetch;
  if (typeof fetchImpl !== 'function') {
    throw typeError('fetch', 'must be a function (no global fetch is available here)');
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
    aroundCall: optionalFunction('aroundCall', options.aroundCall),
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
    throw new InputTypeError('Give exactly one of the options credentials or accessToken', {
      code: 'invalid_option',
      input: 'credentials',
    });
  }
  if (credentials !== undefined) {
    if (credentials === null || typeof credentials !== 'object') {
      throw typeError('credentials', 'must be an object { clientId, clientSecret }');
    }
    assertPlainCredential('credentials.clientId', credentials.clientId);
    assertPlainCredential('credentials.clientSecret', credentials.clientSecret);
    return {
      credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
      accessToken: undefined,
    };
  }
  if (typeof accessToken !== 'function') assertBearerToken('accessToken', accessToken);
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

const RETRY_OPTIONS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_RETRY));

function normalizeRetry(retry: RevocationClientOptions['retry']): Required<RetryOptions> {
  if (retry === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  if (retry === undefined) return DEFAULT_RETRY;
  if (retry === null || typeof retry !== 'object') throw typeError('retry', 'must be false or an object');
  assertKnownKeys(retry, RETRY_OPTIONS, 'retry.');
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
    throw typeError('userAgent', 'must be a string of printable ASCII, at most 200 characters');
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
    throw typeError('clock', 'must be an object with now() and sleep(ms, signal)');
  }
  return candidate;
}
