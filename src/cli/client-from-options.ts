import {
  type BodyEncoding,
  clientCredentialsTokenProvider,
  createRevocationClient,
  type Environment,
  type RevocationClient,
  type RevocationClientOptions,
} from '../index';
import { UsageError } from './exit-codes';

/** The CLI options that shape the client. */
export interface ClientFlags {
  env?: Environment;
  baseUrl?: string;
  encoding?: BodyEncoding;
  auth?: 'basic' | 'post' | 'bearer';
  treatInvalidAsRevoked?: boolean;
  timeoutMs?: number;
}

/**
 * Builds the client from flags and the environment: credentials come from DIGILOCKER_CLIENT_ID and
 * DIGILOCKER_CLIENT_SECRET (and DIGILOCKER_ACCESS_TOKEN for `--auth bearer`), never from arguments.
 * Any problem is a UsageError whose message names no secret.
 */
export function clientFromOptions(
  flags: ClientFlags,
  env: NodeJS.ProcessEnv,
  fetch: typeof globalThis.fetch,
): RevocationClient {
  const auth = flags.auth ?? 'basic';
  const options: RevocationClientOptions = {
    fetch,
    bodyEncoding: flags.encoding ?? 'form',
    treatInvalidTokenAsRevoked: flags.treatInvalidAsRevoked === true,
    userAgent: 'digilocker-revoke',
  };
  if (flags.env !== undefined) options.environment = flags.env;
  if (flags.baseUrl !== undefined) options.baseUrl = flags.baseUrl;
  if (flags.timeoutMs !== undefined) options.timeoutMs = flags.timeoutMs;

  if (auth === 'bearer' && env.DIGILOCKER_ACCESS_TOKEN) {
    options.accessToken = env.DIGILOCKER_ACCESS_TOKEN;
  } else {
    const clientId = env.DIGILOCKER_CLIENT_ID;
    const clientSecret = env.DIGILOCKER_CLIENT_SECRET;
    if (!clientId || !clientSecret) {
      throw new UsageError(
        auth === 'bearer'
          ? 'Set DIGILOCKER_ACCESS_TOKEN, or DIGILOCKER_CLIENT_ID and DIGILOCKER_CLIENT_SECRET, in the environment'
          : 'Set DIGILOCKER_CLIENT_ID and DIGILOCKER_CLIENT_SECRET in the environment',
      );
    }
    if (auth === 'bearer')
      options.accessToken = toUsageError(() =>
        clientCredentialsTokenProvider({ clientId, clientSecret, timeoutMs: flags.timeoutMs ?? 10_000 }),
      );
    else {
      options.credentials = { clientId, clientSecret };
      options.clientAuthentication = auth === 'post' ? 'client_secret_post' : 'client_secret_basic';
    }
  }
  return toUsageError(() => createRevocationClient(options));
}

function toUsageError<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    // The client's validation messages name the option and never a secret.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
