import { isRevocationError } from '../errors';

/**
 * The `error.type` of a failure: a `RevocationError`'s code (`invalid_client`, `timeout`, ...), else the
 * error's name (`TypeError`, `AbortError`), else `_OTHER` as the convention has it. Never the message.
 */
export function errorType(error: unknown): string {
  if (isRevocationError(error)) return error.code;
  if (error instanceof Error && /^[A-Za-z]\w{0,63}$/.test(error.name)) return error.name;
  return '_OTHER';
}
