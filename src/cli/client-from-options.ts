import {
  type BodyEncoding,
  clientCredentialsTokenProvider,
  createRevocationClient,
  DEFAULTS,
  type Environment,
  isInputError,
  type RevocationClient,
  type RevocationClientOptions,
  type RevocationEvent,
} from '../index';
import { createNodeFetch, type NodeFetch } from '../node';
import { isLoopback } from '../validate';
import { credentialFrom } from './credential-variables';
import { UsageError } from './exit-codes';
import { inputErrorInCliWords, PLAIN_HTTP_BASE_URL } from './messages';

/** The CLI options that shape the client. */
export interface ClientFlags {
  env?: Environment;
  baseUrl?: string;
  allowInsecureHttp?: boolean;
  encoding?: BodyEncoding;
  auth?: 'basic' | 'post' | 'bearer';
  treatInvalidAsRevoked?: boolean;
  timeoutMs?: number;
}

/**
 * Builds the client from flags and the environment: credentials come from DIGILOCKER_CLIENT_ID and
 * DIGILOCKER_CLIENT_SECRET (and DIGILOCKER_ACCESS_TOKEN for `--auth bearer`), never from arguments.
 * `onEvent` receives the client's events. Any problem is a UsageError in the CLI's words (flags, not
 * option names) that names no secret.
 */
export function clientFromOptions(
  flags: ClientFlags,
  env: NodeJS.ProcessEnv,
  fetch: typeof globalThis.fetch,
  onEvent?: (event: RevocationEvent) => void,
  create: (options: RevocationClientOptions) => RevocationClient = createRevocationClient,
): RevocationClient {
  const auth = flags.auth ?? 'basic';
  const encoding = flags.encoding ?? DEFAULTS.bodyEncoding;
  if (auth === 'post' && encoding === 'json')
    throw new UsageError('--auth post needs --encoding form: the JSON body has no client fields');
  const options: RevocationClientOptions = {
    fetch,
    bodyEncoding: encoding,
    treatInvalidTokenAsRevoked: flags.treatInvalidAsRevoked === true,
    userAgent: 'digilocker-revoke',
  };
  if (onEvent) options.onEvent = onEvent;
  if (flags.env !== undefined) options.environment = flags.env;
  if (flags.baseUrl !== undefined) options.baseUrl = flags.baseUrl;
  if (flags.allowInsecureHttp) options.allowInsecureHttp = true;
  else refusePlainHttp(flags.baseUrl);
  if (flags.timeoutMs !== undefined) options.timeoutMs = flags.timeoutMs;
  Object.assign(options, authentication(auth, env, flags.timeoutMs ?? DEFAULTS.tokenTimeoutMs));
  return toUsageError(() => create(options));
}

/**
 * The one fault of a `--base-url` that a flag fixes, plain http to a host that is not loopback, in the
 * CLI's words (a UsageError naming `--allow-insecure-http`); the client checks the rest of the URL
 * (the same loopback rule) and its errors name no flag to add, as none would help.
 */
function refusePlainHttp(baseUrl: string | undefined): void {
  if (baseUrl === undefined || !URL.canParse(baseUrl)) return;
  const { protocol, hostname } = new URL(baseUrl);
  if (protocol === 'http:' && !isLoopback(hostname)) throw new UsageError(PLAIN_HTTP_BASE_URL);
}

/** The options that authenticate the client, from the environment (each variable checked: credentialFrom). */
function authentication(
  auth: 'basic' | 'post' | 'bearer',
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Partial<RevocationClientOptions> {
  const accessToken = auth === 'bearer' ? credentialFrom(env, 'DIGILOCKER_ACCESS_TOKEN') : undefined;
  if (accessToken !== undefined) return { accessToken };
  const clientId = credentialFrom(env, 'DIGILOCKER_CLIENT_ID');
  const clientSecret = credentialFrom(env, 'DIGILOCKER_CLIENT_SECRET');
  if (!clientId || !clientSecret) {
    throw new UsageError(
      auth === 'bearer'
        ? 'Set DIGILOCKER_ACCESS_TOKEN, or DIGILOCKER_CLIENT_ID and DIGILOCKER_CLIENT_SECRET, in the environment'
        : 'Set DIGILOCKER_CLIENT_ID and DIGILOCKER_CLIENT_SECRET in the environment',
    );
  }
  if (auth === 'bearer')
    return {
      accessToken: toUsageError(() => clientCredentialsTokenProvider({ clientId, clientSecret, timeoutMs })),
    };
  return {
    credentials: { clientId, clientSecret },
    clientAuthentication: auth === 'post' ? 'client_secret_post' : 'client_secret_basic',
  };
}

/** Builds, turning the client's input errors (which name the option, never a secret) into UsageErrors. */
function toUsageError<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (isInputError(error)) throw new UsageError(inputErrorInCliWords(error));
    throw error;
  }
}

/**
 * The fetch of a run: up to `connections` connections (the run's concurrency), through `proxy` (the
 * `--proxy` flag) or else the environment's HTTPS_PROXY, HTTP_PROXY and NO_PROXY; a loopback base URL
 * always goes direct. A proxy that is not an http(s) URL, from the flag or the environment, is a
 * UsageError that names where it came from and never quotes it (it may hold a user and password).
 */
export function fetchFromOptions(proxy: string | undefined, connections: number): NodeFetch {
  try {
    return createNodeFetch(proxy === undefined ? { connections } : { proxy, connections });
  } catch (error) {
    // createNodeFetch checks the flag's proxy, or else the environment's, and names it as the error's
    // `input` (`proxy`, or the variable); the connections are valid.
    if (!isInputError(error)) throw error;
    const source = error.input === 'proxy' ? '--proxy' : `${error.input} in the environment`;
    throw new UsageError(`${source} must be an http: or https: URL, such as http://proxy.internal:3128`);
  }
}
