import type { SignOutTokens } from './results';
import { assertToken, describeType, typeError } from './validate';

/**
 * The access and refresh tokens of `tokens`, each read once, as a plain object, after the checks of
 * `signOut` (and the outbox's `enqueue`): what is sent or sealed is what was checked, even when
 * `tokens` answers each read differently (a getter, a Proxy). Other properties (an `idToken` of the
 * same token set) are not read, so that a whole token set can be passed.
 * `at` names the sign-out in a batch (`batch[3]`): the error's `input` and message start with it.
 * @throws {InputTypeError} `tokens` is not an object, holds neither token, or a token is not a string
 *   (`code: 'invalid_token_input'`, `input`: `tokens`, `accessToken` or `refreshToken`).
 * @throws {InputRangeError} a token is empty, too long, or holds control characters (same `code`).
 */
export function readSignOutTokens(tokens: unknown, at?: string): SignOutTokens {
  const code = 'invalid_token_input';
  const name = at ?? 'tokens';
  if (tokens === null || typeof tokens !== 'object' || Array.isArray(tokens))
    throw typeError(
      name,
      `must be an object { accessToken?, refreshToken? }, got ${describeType(tokens)}`,
      code,
    );
  const { accessToken, refreshToken } = tokens as SignOutTokens;
  if (accessToken === undefined && refreshToken === undefined)
    throw typeError(name, 'must hold accessToken, refreshToken or both', code);
  const prefix = at === undefined ? '' : `${at}.`;
  if (refreshToken !== undefined) assertToken(refreshToken, `${prefix}refreshToken`);
  if (accessToken !== undefined) assertToken(accessToken, `${prefix}accessToken`);
  // A token not given stays undefined (JSON, as the outbox seals it, leaves it out).
  return { refreshToken, accessToken };
}
