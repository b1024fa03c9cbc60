export type {
  BodyEncoding,
  OAuthErrorBody,
  RawClient,
  RevocationFormBody,
  RevocationJsonBody,
  TokenTypeHint,
} from './raw';
export { createRawClient, REVOKE_PATH } from './raw';
