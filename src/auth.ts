import { errorFromResponse, NetworkError, TimeoutError, UnexpectedResponseError } from './errors';
import { assertPlainCredential } from './input';
import { type AccessTokenContext, ENVIRONMENTS, type NormalizedOptions } from './options';
import { createRedactor } from './redact';

/** How one client authenticates its revocation requests, decided once from its options. */
export interface Authenticator {
  /** The Authorization header value for the next attempt; undefined for client_secret_post. */
  authorization(
    client: Pick<NormalizedOptions, 'baseUrl' | 'fetch'>,
    signal: AbortSignal | undefined,
  ): string | undefined | Promise<string | undefined>;
  /** Fields for the form body (client_secret_post only). */
  bodyFields: { client_id: string; client_secret: string } | undefined;
  /** True when a 401 may be cured by asking the access-token function for a fresh token. */
  canRefresh: boolean;
  /** Called after a 401: the next authorization asks the access-token function for a fresh token. */
  rejected(): void;
  /** The secret values this authenticator has sent, so that they can be redacted from server text. */
  secrets(): string[];
}

/** Builds the authenticator for normalised options: Basic, post, or Bearer. */
export function createAuthenticator(options: NormalizedOptions): Authenticator {
  const { credentials, accessToken } = options;
  if (credentials) {
    const { clientId, clientSecret } = credentials;
    const header = basicAuthorization(clientId, clientSecret);
    // A server may echo the credentials in any form, the base64 of Basic without its scheme included.
    const secrets = [clientSecret, header, header.slice('Basic '.length)];
    if (options.clientAuthentication === 'client_secret_post') {
      return {
        authorization: () => undefined,
        bodyFields: { client_id: clientId, client_secret: clientSecret },
        canRefresh: false,
        rejected: () => {},
        secrets: () => secrets,
      };
    }
    return { ...fixedHeader(header), secrets: () => secrets };
  }
  if (typeof accessToken === 'string') {
    const header = `Bearer ${accessToken}`;
    return { ...fixedHeader(header), secrets: () => [accessToken] };
  }
  const source = accessToken as (context: AccessTokenContext) => string | Promise<string>;
  return bearerFromFunction(source, providerSecrets.get(source) ?? []);
}

/**
 * The client credentials behind each {@link clientCredentialsTokenProvider}, so that a client using the
 * provider can redact them from what the revoke endpoint says, although it never sends them itself.
 */
const providerSecrets = new WeakMap<object, readonly string[]>();

function fixedHeader(header: string) {
  return { authorization: () => header, bodyFields: undefined, canRefresh: false, rejected: () => {} };
}

function bearerFromFunction(
  source: (context: AccessTokenContext) => string | Promise<string>,
  knownSecrets: readonly string[],
): Authenticator {
  const sent = new Set<string>();
  let forceRefresh = false;
  return {
    async authorization(client, signal) {
      const context: AccessTokenContext = {
        forceRefresh,
        baseUrl: client.baseUrl,
        fetch: client.fetch,
        signal,
      };
      forceRefresh = false;
      const token = await source(context);
      assertPlainCredential('the access token returned by the accessToken function', token);
      // Remember (a bounded number of) tokens sent, for redaction of what the server says back.
      if (sent.size > 16) sent.clear();
      sent.add(token);
      return `Bearer ${token}`;
    },
    bodyFields: undefined,
    canRefresh: true,
    rejected: () => {
      forceRefresh = true;
    },
    secrets: () => [...knownSecrets, ...sent],
  };
}

/**
 * The `Authorization` header of client_secret_basic: RFC 6749 section 2.3.1 form-encodes the client id
 * and secret before joining them with a colon and base64-encoding the result.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** Options of {@link clientCredentialsTokenProvider}. */
export interface ClientCredentialsTokenProviderOptions {
  /**
   * The token endpoint.
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
   * Time limit of one token request.
   * @default 10000
   */
  timeoutMs?: number;
}

/** A function returning an access token, for the `accessToken` option. */
export type AccessTokenProvider = (context?: Partial<AccessTokenContext>) => Promise<string>;

/**
 * An access-token function for the `accessToken` option that gets its token with the OAuth2
 * client-credentials grant (the listing's `oauthsecurity` scheme) and caches it until shortly before
 * `expires_in`. Concurrent callers share one in-flight request; after the revoke endpoint answers 401,
 * the client asks it once for a fresh token.
 *
 * @example
 * const client = createRevocationClient({
 *   accessToken: clientCredentialsTokenProvider({ clientId, clientSecret, scope: 'default' }),
 * });
 */
export function clientCredentialsTokenProvider(
  options: ClientCredentialsTokenProviderOptions,
): AccessTokenProvider {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('clientCredentialsTokenProvider(options): options must be an object');
  }
  const { clientId, clientSecret, scope } = options;
  assertPlainCredential('clientId', clientId);
  assertPlainCredential('clientSecret', clientSecret);
  if (scope !== undefined && typeof scope !== 'string') throw new TypeError('scope must be a string');
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new RangeError('timeoutMs must be a positive integer');
  const fixedTokenUrl = options.tokenUrl === undefined ? undefined : new URL(String(options.tokenUrl)).href;
  const authorization = basicAuthorization(clientId, clientSecret);
  const secrets = [clientSecret, authorization, authorization.slice('Basic '.length)];
  const redact = createRedactor(secrets);

  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function requestToken(context: Partial<AccessTokenContext>): Promise<string> {
    const tokenUrl = fixedTokenUrl ?? `${context.baseUrl ?? ENVIRONMENTS.sandbox}/oauth2/1/token`;
    const fetchImpl = options.fetch ?? context.fetch ?? globalThis.fetch;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    const signal = withTimeout(context.signal, timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(tokenUrl, {
        method: 'POST',
        headers: {
          Authorization: authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: body.toString(),
        redirect: 'manual',
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (context.signal?.aborted) throw context.signal.reason;
      const details = { attempts: 1, retryable: true, cause: error };
      if (signal.aborted)
        throw new TimeoutError(`No answer from the token endpoint within ${timeoutMs} ms`, details);
      throw new NetworkError('The request to the token endpoint failed', details);
    }
    const json = parseJson(text);
    if (!response.ok) {
      throw errorFromResponse({
        status: response.status,
        body: json ?? text,
        attempts: 1,
        retryable: false,
        redact,
      });
    }
    const accessToken = (json as { access_token?: unknown } | undefined)?.access_token;
    const expiresIn = Number((json as { expires_in?: unknown } | undefined)?.expires_in);
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new UnexpectedResponseError('The token endpoint answered without an access_token', {
        status: response.status,
        attempts: 1,
        retryable: false,
      });
    }
    // Refresh a little before expiry: 10% of the lifetime, at most a minute; 60 s when none is given.
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 60_000;
    cached = { token: accessToken, refreshAt: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
    return accessToken;
  }

  const provider: AccessTokenProvider = (context = {}) => {
    if (context.forceRefresh) cached = undefined;
    if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
    inFlight ??= requestToken(context).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  providerSecrets.set(provider, secrets);
  return provider;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  if (!signal) return timeout;
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([signal, timeout]);
  const controller = new AbortController(); // runtimes without AbortSignal.any (Node < 20.3)
  for (const source of [signal, timeout]) {
    if (source.aborted) controller.abort(source.reason);
    else source.addEventListener('abort', () => controller.abort(source.reason), { once: true });
  }
  return controller.signal;
}
