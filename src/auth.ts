import { isRevocationError } from './errors';
import { ignore } from './ignore';
import type { NormalizedOptions } from './normalize-options';
import type { AccessTokenContext } from './options';
import { assertBearerToken } from './validate';

/**
 * How one client authenticates its revocation requests, decided once from its options: a fixed
 * `Authorization` header (client_secret_basic, a static bearer token), body fields (client_secret_post),
 * or a header fetched before each attempt from an access-token function.
 */
export interface Authenticator {
  /** The fixed Authorization header, when there is one. */
  header: string | undefined;
  /** Gets the Authorization header for the next attempt from the access-token function, when there is one. */
  fetchHeader: ((signal: AbortSignal) => Promise<string>) | undefined;
  /** Fields for the form body (client_secret_post only). */
  bodyFields: { client_id: string; client_secret: string } | undefined;
  /** Called after a 401: the next header asks the access-token function for a fresh token. */
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
    const secrets = credentialSecrets(clientSecret, header);
    const post = options.clientAuthentication === 'client_secret_post';
    return {
      header: post ? undefined : header,
      fetchHeader: undefined,
      bodyFields: post ? { client_id: clientId, client_secret: clientSecret } : undefined,
      rejected: ignore,
      secrets: () => secrets,
    };
  }
  if (typeof accessToken === 'string') {
    return {
      header: `Bearer ${accessToken}`,
      fetchHeader: undefined,
      bodyFields: undefined,
      rejected: ignore,
      secrets: () => [accessToken],
    };
  }
  const source = accessToken as (context: AccessTokenContext) => string | Promise<string>;
  return bearerFromFunction(source, options, providerSecretsOf(source));
}

/**
 * The secrets of a client's credentials as a server may echo them: the secret, the Basic header and its
 * base64 without the scheme.
 */
export function credentialSecrets(clientSecret: string, basicHeader: string): string[] {
  return [clientSecret, basicHeader, basicHeader.slice('Basic '.length)];
}

/**
 * The access-token function threw or rejected with something other than a revocation error (a vault
 * outage, say); the attempt loop reports it as an `InvalidClientError` with this cause.
 */
export class AccessTokenFunctionFailed extends Error {}

/**
 * The key under which an access-token provider of this package holds a function that returns its
 * client credentials, so that a client using it can redact them from what the revoke endpoint says,
 * although it never sends them itself. Registered globally (`Symbol.for`), as the error brands are:
 * each entry, and the ESM and CommonJS builds, bundle their own copy of this module, and a provider
 * made by one must be known to a client made by another. A function, so that inspecting the provider
 * shows no secret.
 */
export const PROVIDER_SECRETS = Symbol.for('digilocker-revocation/providerSecrets');

/** The client credentials a provider holds under {@link PROVIDER_SECRETS}: none for any other function. */
function providerSecretsOf(source: object): readonly string[] {
  const secrets = (source as { [PROVIDER_SECRETS]?: unknown })[PROVIDER_SECRETS];
  const list: unknown = typeof secrets === 'function' ? secrets() : [];
  return Array.isArray(list) ? list.filter((secret): secret is string => typeof secret === 'string') : [];
}

function bearerFromFunction(
  source: (context: AccessTokenContext) => string | Promise<string>,
  options: Pick<NormalizedOptions, 'baseUrl' | 'fetch'>,
  knownSecrets: readonly string[],
): Authenticator {
  const sent = new Set<string>();
  let forceRefresh = false;
  return {
    header: undefined,
    async fetchHeader(signal) {
      const context: AccessTokenContext = {
        forceRefresh,
        baseUrl: options.baseUrl,
        fetch: options.fetch,
        signal,
      };
      forceRefresh = false;
      let token: string;
      try {
        token = await source(context);
        // A token no header can carry is the function's failure, not the caller's input: the call
        // (one token of a signOut or revokeMany) fails as when the function throws.
        assertBearerToken('the access token returned by the accessToken function', token);
      } catch (error) {
        if (isRevocationError(error)) throw error;
        throw new AccessTokenFunctionFailed('The accessToken function failed; no request was sent', {
          cause: error,
        });
      }
      // Remember (a bounded number of) tokens sent, for redaction of what the server says back.
      if (sent.size > 16) sent.clear();
      sent.add(token);
      return `Bearer ${token}`;
    },
    bodyFields: undefined,
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
  return `Basic ${btoa(`${formEncodeValue(clientId)}:${formEncodeValue(clientSecret)}`)}`;
}

function formEncodeValue(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}
