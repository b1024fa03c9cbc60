import type { Clock } from './clock';
import type { Environment } from './defaults';
import type { RevocationEvent } from './events';
import type { RevocationResult } from './results';
import type { BodyEncoding, TokenTypeHint } from './wire';

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
   * Overrides `environment`: the base to which `/oauth2/1/revoke` is appended, as given (DigiLocker's
   * hosts serve the API under `/public`, so include it; a gateway may use another path). Plain `http:` is refused unless the host is
   * loopback (`localhost`, `localhost.`, `127.0.0.0/8`, `::1`, `::ffff:127.0.0.0/104`) or `allowInsecureHttp`
   * is set.
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
   * The time limit of one attempt, from sending the request to reading the response (at most 64 KiB of
   * its body). A 2xx status that arrived in time is the answer, even if its body is still arriving.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * The fetch implementation: every attempt goes through it, raced against the attempt's deadline. On
   * Node, `createNodeFetch()` from `digilocker-revocation/node` adds connection pooling, proxies
   * (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) and exact knowledge of whether a failed request was sent.
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
   * Wraps the call of each token, all its attempts, in `revoke`, `signOut` and `revokeMany`: it must
   * call `run` once and return (or await) its promise. For instrumentation: `onEvent` and every
   * request of the call run inside it, in its async context (`digilocker-revocation/opentelemetry`
   * runs it in the token's span).
   */
  aroundCall?: (
    call: { tokenTypeHint: TokenTypeHint | undefined },
    run: () => Promise<RevocationResult>,
  ) => Promise<RevocationResult>;
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

/** Replaced by package.json's version at build (tsup's `define`), and by Jest's `globals` in tests. */
declare const __PACKAGE_VERSION__: string;

/** The package version, sent in `User-Agent`. */
export const VERSION: string = __PACKAGE_VERSION__;
