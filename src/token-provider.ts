import { basicAuthorization, credentialSecrets, providerSecrets } from './auth';
import { DEFAULTS, ENVIRONMENTS } from './defaults';
import { errorFromResponse, NetworkError, TimeoutError, UnexpectedResponseError } from './errors';
import type { AccessTokenContext } from './options';
import { raceWithDeadline } from './race';
import { formEncode, TOKEN_PATH, type TokenRequestBody, type TokenResponseBody } from './raw';
import { readCappedText } from './read-body';
import { createRedactor } from './redact';
import {
  assertPlainCredential,
  endpointUrl,
  optionalBoolean,
  optionalFunction,
  positiveMs,
} from './validate';

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
 * @example
 * const client = createRevocationClient({
 *   accessToken: clientCredentialsTokenProvider({ clientId, clientSecret, scope: 'default' }),
 * });
 */
export function clientCredentialsTokenProvider(
  options: ClientCredentialsTokenProviderOptions,
): AccessTokenProvider {
  const settings = normalizeProviderOptions(options);
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchToken = async (context: Partial<AccessTokenContext>): Promise<string> => {
    const { token, lifetimeMs } = await requestToken(settings, context);
    // Refresh a little before expiry: 10% of the lifetime, at most a minute.
    cached = { token, refreshAt: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
    return token;
  };

  const provider: AccessTokenProvider = (context = {}) => {
    if (context.forceRefresh) cached = undefined;
    if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
    inFlight ??= fetchToken(context).finally(() => {
      inFlight = undefined;
    });
    const shared = inFlight;
    return raceWithDeadline(() => shared, { signal: context.signal ?? undefined });
  };
  providerSecrets.set(provider, settings.secrets);
  return provider;
}

interface ProviderSettings {
  tokenUrl: string | undefined;
  scope: string | undefined;
  fetch: typeof globalThis.fetch | undefined;
  timeoutMs: number;
  authorization: string;
  secrets: string[];
}

function normalizeProviderOptions(options: ClientCredentialsTokenProviderOptions): ProviderSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('clientCredentialsTokenProvider(options): options must be an object');
  }
  const { clientId, clientSecret, scope } = options;
  assertPlainCredential('clientId', clientId);
  assertPlainCredential('clientSecret', clientSecret);
  if (scope !== undefined && typeof scope !== 'string') throw new TypeError('scope must be a string');
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
async function requestToken(settings: ProviderSettings, context: Partial<AccessTokenContext>) {
  const url = settings.tokenUrl ?? `${context.baseUrl ?? ENVIRONMENTS[DEFAULTS.environment]}${TOKEN_PATH}`;
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
    const details = { attempts: 1, retryable: true, cause: error };
    if (error instanceof TokenRequestTimedOut)
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
    });
  }
  // The spec's TokenResponse, as far as the server kept to it: every field is checked below.
  const fields = (json ?? {}) as { [K in keyof TokenResponseBody]?: unknown };
  if (typeof fields.access_token !== 'string' || fields.access_token === '') {
    throw new UnexpectedResponseError('The token endpoint answered without an access_token', {
      status: response.status,
      attempts: 1,
      retryable: false,
    });
  }
  const expiresIn = Number(fields.expires_in);
  // 60 s when the endpoint gives no usable lifetime.
  const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 60_000;
  return { token: fields.access_token, lifetimeMs };
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
