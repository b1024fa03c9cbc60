import { MAX_TOKEN_LENGTH } from './defaults';
import type { TokenTypeHint } from './raw';

export { MAX_TOKEN_LENGTH } from './defaults';

const TOKEN_TYPE_HINTS: readonly string[] = ['access_token', 'refresh_token'] satisfies TokenTypeHint[];
// C0 controls, DEL and C1 controls: never part of a token, and a sign of a parsing mistake upstream.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Throws a TypeError or RangeError unless `token` is a non-empty string of at most 4096 characters
 * without control characters. The message never contains the token.
 */
export function assertToken(token: unknown, name = 'token'): asserts token is string {
  if (typeof token !== 'string') throw new TypeError(`${name} must be a string, got ${describeType(token)}`);
  if (token.length === 0) throw new RangeError(`${name} must not be empty`);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new RangeError(`${name} must be at most ${MAX_TOKEN_LENGTH} characters, got ${token.length}`);
  }
  if (CONTROL_CHARACTER.test(token)) throw new RangeError(`${name} must not contain control characters`);
}

/** Throws a TypeError unless `hint` is `access_token` or `refresh_token`. */
export function assertTokenTypeHint(hint: unknown, name = 'tokenTypeHint'): asserts hint is TokenTypeHint {
  if (typeof hint !== 'string' || !TOKEN_TYPE_HINTS.includes(hint)) {
    throw new TypeError(`${name} must be "access_token" or "refresh_token"`);
  }
}

/** Validates a client id, secret or bearer token given as an option, without ever echoing it. */
export function assertPlainCredential(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describeType(value)}`);
  if (value.length === 0) throw new RangeError(`${name} must not be empty`);
  if (value.length > MAX_TOKEN_LENGTH)
    throw new RangeError(`${name} must be at most ${MAX_TOKEN_LENGTH} characters`);
  if (CONTROL_CHARACTER.test(value)) throw new RangeError(`${name} must not contain control characters`);
}

/** A short, secret-free description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
