import { basicAuthorization, credentialSecrets, PROVIDER_SECRETS } from './auth';
import { DEFAULTS, ENVIRONMENTS, LIMITS } from './defaults';
import { NetworkError, TimeoutError, UnexpectedResponseError } from './errors';
import { ignore } from './ignore';
import type { AccessTokenContext } from './options';
import { raceWithDeadline } from './race';
import { readCappedText } from './read-body';
import { createRedactor } from './redact';
import { errorFromResponse } from './response-error';
import { failureCause, safely } from './retry-policy';
import {
  assertBearerToken,
  assertOptions,
  assertPlainCredential,
  endpointUrl,
  optionalBoolean,
  optionalFunction,
  positiveMs,
  typeError,
} from './validate';
import { formEncode, TOKEN_PATH, type TokenRequestBody, type TokenResponseBody } from './wire';

/** Options of {@link clientCredentialsTokenProvider}. */
export interface ClientCredentialsTokenProviderOptions {
  /**
   * The token endpoint: `https:`, or `http:` on a loopback host (or anywhere with `allowInsecureHttp`);
   * no credentials, query or fragment.
   * @default the revocation client's base URL + `/oauth2/1/token` (the sandbox's when used on its own)
   */
  tokenUrl?: string | URL;
  clientId: string;
  clientSecret: string;
  /**
   * The scope to ask for; the listing's only scope is `default`.
   * @default none sent
   */
  scope?: string;
  /**
   * The fetch implementation.
   * @default the revocation client's fetch, or globalThis.fetch when used on its own
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Time limit of one token request, enforced by the provider itself whatever the fetch does.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Allows a plain-`http:` `tokenUrl` on a host that is not loopback: the client secret then crosses
   * the network in clear.
   * @default false
   */
  allowInsecureHttp?: boolean;
}

/** A function returning an access token, for the `accessToken` option. */
export type AccessTokenProvider = (context?: Partial<AccessTokenContext>) => Promise<string>;

/**
 * An access-token function for the `accessToken` option that gets its token with the OAuth2
 * client-credentials grant (the listing's `oauthsecurity` scheme) and caches it until shortly before
 * `expires_in`. Concurrent callers share one in-flight request, which no caller's abort cancels: each
 * caller stops waiting on its own signal, and the request goes on for the others, bounded by
 * `timeoutMs`. After the revoke endpoint answers 401, the client asks it once for a fresh token.
 *
 * @throws {InputTypeError} or {InputRangeError} (`invalid_option`) for a bad option; the function it
 * returns rejects with a `RevocationError` (`invalid_client`, `timeout`, `network_error`,
 * `unexpected_response`) when no token can be had
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 | RFC 6749 §2.3.1}, how it authenticates (HTTP Basic)
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 §4.4}, the client-credentials grant
 * @example
 * const client = createRevocationClient({
 *   accessToken: clientCredentialsTokenProvider({ clientId, clientSecret, scope: 'default' }),
 * });
 */
export function clientCredentialsTokenProvider(
  options: ClientCredentialsTokenProviderOptions,
): AccessTokenProvider {
  const settings = normalizeProviderOptions(options);
  // One cache per token endpoint: a provider given to clients of two deployments keeps each one's token.
  const endpoints = new Map<string, TokenCache>();

  const provider: AccessTokenProvider = (context = {}) => {
    const { signal } = context;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const url = tokenUrlOf(settings, context);
    let cache = endpoints.get(url);
    if (cache === undefined) {
      if (endpoints.size >= MAX_ENDPOINTS) endpoints.clear();
      cache = { token: undefined, refreshAt: 0, inFlight: undefined };
      endpoints.set(url, cache);
    }
    if (context.forceRefresh) cache.token = undefined;
    if (cache.token !== undefined && Date.now() < cache.refreshAt) return Promise.resolve(cache.token);
    cache.inFlight ??= fetchToken(settings, url, context, cache);
    const shared = cache.inFlight;
    return raceWithDeadline(() => shared, { signal: signal ?? undefined });
  };
  Object.defineProperty(provider, PROVIDER_SECRETS, { value: () => settings.secrets });
  return provider;
}

/** What a provider keeps for one token endpoint. */
interface TokenCache {
  token: string | undefined;
  /** Epoch milliseconds after which the token is fetched anew. */
  refreshAt: number;
  /** The request every caller shares while it runs. */
  inFlight: Promise<string> | undefined;
}

/** Token endpoints a provider keeps a token for at most: a client sends to one, so this only bounds misuse. */
const MAX_ENDPOINTS = 16;

function tokenUrlOf(settings: ProviderSettings, context: Partial<AccessTokenContext>): string {
  return settings.tokenUrl ?? `${context.baseUrl ?? ENVIRONMENTS[DEFAULTS.environment]}${TOKEN_PATH}`;
}

/** Gets a token into `cache`, for every caller; a failure reaches each caller that still waits. */
function fetchToken(
  settings: ProviderSettings,
  url: string,
  context: Partial<AccessTokenContext>,
  cache: TokenCache,
): Promise<string> {
  const request = requestToken(settings, url, context).then(({ token, lifetimeMs }) => {
    cache.token = token;
    // Refresh a little before expiry: 10% of the lifetime, at most a minute.
    cache.refreshAt = Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10);
    return token;
  });
  const settled = request.finally(() => {
    cache.inFlight = undefined;
  });
  // Handled even when every caller stopped waiting (aborted) before it failed.
  settled.catch(ignore);
  return settled;
}

interface ProviderSettings {
  tokenUrl: string | undefined;
  scope: string | undefined;
  fetch: typeof globalThis.fetch | undefined;
  timeoutMs: number;
  authorization: string;
  secrets: string[];
}

const PROVIDER_OPTIONS: ReadonlySet<string> = new Set([
  'tokenUrl',
  'clientId',
  'clientSecret',
  'scope',
  'fetch',
  'timeoutMs',
  'allowInsecureHttp',
] satisfies (keyof ClientCredentialsTokenProviderOptions)[]);

function normalizeProviderOptions(options: ClientCredentialsTokenProviderOptions): ProviderSettings {
  assertOptions('clientCredentialsTokenProvider(options)', options, PROVIDER_OPTIONS);
  const { clientId, clientSecret, scope } = options;
  assertPlainCredential('clientId', clientId);
  assertPlainCredential('clientSecret', clientSecret);
  if (scope !== undefined && typeof scope !== 'string') throw typeError('scope', 'must be a string');
  const allowInsecureHttp = optionalBoolean('allowInsecureHttp', options.allowInsecureHttp);
  const authorization = basicAuthorization(clientId, clientSecret);
  return {
    tokenUrl:
      options.tokenUrl === undefined
        ? undefined
        : endpointUrl('tokenUrl', options.tokenUrl, allowInsecureHttp),
    scope,
    fetch: optionalFunction('fetch', options.fetch),
    timeoutMs: positiveMs('timeoutMs', options.timeoutMs, DEFAULTS.tokenTimeoutMs),
    authorization,
    secrets: credentialSecrets(clientSecret, authorization),
  };
}

/** One token request, bounded by its own timeout and by nothing a caller does. */
async function requestToken(settings: ProviderSettings, url: string, context: Partial<AccessTokenContext>) {
  const fetchImpl = settings.fetch ?? context.fetch ?? globalThis.fetch;
  const fields: TokenRequestBody = { grant_type: 'client_credentials' };
  if (settings.scope) fields.scope = settings.scope;
  const body = formEncode(fields);
  let answer: { response: Response; text: string };
  try {
    answer = await raceWithDeadline(
      async (signal) => {
        const response = await fetchImpl(url, {
          method: 'POST',
          headers: {
            Authorization: settings.authorization,
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
          },
          body,
          redirect: 'manual',
          signal,
        });
        return { response, text: await readCappedText(response.body) };
      },
      { timeoutMs: settings.timeoutMs, onTimeout: () => new TokenRequestTimedOut() },
    );
  } catch (error) {
    const details = {
      attempts: 1,
      retryable: true,
      cause: failureCause(error, createRedactor(settings.secrets)),
    };
    if (safely(() => error instanceof TokenRequestTimedOut, false))
      throw new TimeoutError(`No answer from the token endpoint within ${settings.timeoutMs} ms`, {
        ...details,
        cause: undefined,
      });
    throw new NetworkError('The request to the token endpoint failed', details);
  }
  return readTokenResponse(answer.response, answer.text, settings.secrets);
}

/** The access token and its lifetime from the token endpoint's answer, or the error it amounts to. */
function readTokenResponse(response: Response, text: string, secrets: string[]) {
  const json = parseJson(text);
  if (!response.ok) {
    throw errorFromResponse({
      status: response.status,
      body: json ?? text,
      attempts: 1,
      redact: createRedactor(secrets),
      endpoint: 'token',
    });
  }
  // The spec's TokenResponse, as far as the server kept to it: every field used is checked below.
  const fields = (json ?? {}) as { [K in keyof TokenResponseBody]?: unknown };
  const unusable = (what: string) =>
    new UnexpectedResponseError(`The token endpoint answered ${what}`, {
      status: response.status,
      attempts: 1,
      retryable: false,
    });
  const token = fields.access_token;
  if (typeof token !== 'string' || token === '') throw unusable('without an access_token');
  if (!isSendableBearer(token)) throw unusable('with an access_token no Authorization header can carry');
  const type = fields.token_type;
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer'))
    throw unusable('with a token_type other than Bearer');
  return { token, lifetimeMs: lifetimeOf(fields.expires_in) };
}

/** True when `token` passes the client's check of a bearer token. */
function isSendableBearer(token: string): boolean {
  try {
    assertBearerToken('access_token', token);
    return true;
  } catch {
    return false;
  }
}

/** `expires_in` (a JSON number of seconds) in milliseconds, at most a day; 60 s when unusable. */
function lifetimeOf(expiresIn: unknown): number {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) return 60_000;
  return Math.min(expiresIn * 1000, LIMITS.maxTokenLifetimeMs);
}

/** The reason the provider's own timer abandons a token request with. */
class TokenRequestTimedOut extends Error {}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
