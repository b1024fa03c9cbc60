/**
 * digilocker-revocation: dependable DigiLocker OAuth token revocation. This entry is runtime-agnostic:
 * it uses only fetch, URL, AbortController, TextEncoder and web streams.
 */
export type { RevocationBatchOptions, TokenInput } from './bulk';
export { createRevocationClient, type RevocationClient, type RevokeOptions } from './client';
export { DEFAULTS, LIMITS, MAX_TOKEN_LENGTH } from './defaults';
export {
  InvalidClientError,
  InvalidTokenError,
  isRevocationError,
  NetworkError,
  RateLimitedError,
  RevocationError,
  type RevocationErrorCode,
  type RevocationErrorDetails,
  ServerError,
  TimeoutError,
  UnauthorizedClientError,
  UnexpectedResponseError,
  UnsupportedTokenTypeError,
} from './errors';
export type { RevocationEvent } from './events';
export { sha256Hex, tokenFingerprint } from './fingerprint';
export {
  type InputErrorCode,
  type InputErrorDetails,
  InputRangeError,
  InputTypeError,
  isInputError,
} from './input-errors';
export {
  type AccessTokenContext,
  type AccessTokenSource,
  type ClientAuthenticationMethod,
  type ClientCredentials,
  type Clock,
  ENVIRONMENTS,
  type Environment,
  type RetryOptions,
  type RevocationClientOptions,
  VERSION,
} from './options';
export type {
  RevocationOutcome,
  RevocationResult,
  SignOutResult,
  SignOutTokenOutcome,
  SignOutTokens,
  TokenOutcome,
} from './results';
export {
  type AccessTokenProvider,
  type ClientCredentialsTokenProviderOptions,
  clientCredentialsTokenProvider,
} from './token-provider';
export {
  type BodyEncoding,
  createRawClient,
  type OAuthErrorBody,
  type RawClient,
  REVOKE_PATH,
  type RevocationFormBody,
  type RevocationJsonBody,
  type TokenTypeHint,
} from './wire';
