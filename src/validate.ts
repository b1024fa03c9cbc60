import type { RevokeOptions } from './client';
import { LIMITS } from './defaults';
import { type InputErrorCode, InputRangeError, InputTypeError } from './input-errors';
import type { TokenTypeHint } from './wire';

/**
 * Every input check of the package. Each throws an {@link InputTypeError} for a value of the wrong
 * type and an {@link InputRangeError} for a value of the right type out of bounds, with the `code`
 * `invalid_token_input` for a token and `invalid_option` for anything else, names what it checks, and
 * never repeats a token's or secret's value.
 */

const TOKEN_TYPE_HINTS: readonly string[] = ['access_token', 'refresh_token'] satisfies TokenTypeHint[];
/** C0 controls, DEL and C1 controls: never part of a token, and a sign of a parsing mistake upstream. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** Half of a surrogate pair without its other half: not Unicode text, and no encoding can send it. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Whitespace at either end (a copy-paste slip: `trim()` would remove it), or anywhere a character that
 * shows nothing: a format character (zero-width, bidi control, byte order mark), any other that
 * Unicode says to ignore when it cannot be shown (`DI`: combining grapheme joiner, variation selectors,
 * Hangul fillers) or a line or paragraph separator. DigiLocker would answer `invalid_token` to such a
 * copy, which would then count as already invalid while the real token stays live.
 */
const INVISIBLE_EDGE = /^\s|\s$|[\p{Cf}\p{DI}\p{Zl}\p{Zp}]/u;
/** Beyond Latin-1: an HTTP header (a bearer token's) cannot carry it. */
const NOT_LATIN1 = /[^\t\u0020-\u00ff]/;

/**
 * Throws unless `token` is a non-empty string of at most {@link LIMITS}.maxTokenLength characters,
 * without control characters, well-formed Unicode (no lone surrogate), with no whitespace at either end
 * and no invisible format character.
 */
export function assertToken(token: unknown, name = 'token'): asserts token is string {
  const code = 'invalid_token_input';
  if (typeof token !== 'string') throw typeError(name, `must be a string, got ${describeType(token)}`, code);
  if (token.length === 0) throw rangeError(name, 'must not be empty', code);
  if (token.length > LIMITS.maxTokenLength) {
    throw rangeError(name, `must be at most ${LIMITS.maxTokenLength} characters, got ${token.length}`, code);
  }
  assertCharacters(name, token, code);
  assertNothingInvisible(name, token, code);
}

/** Throws if `text` starts or ends with whitespace or holds an invisible format character. */
function assertNothingInvisible(name: string, text: string, code: InputErrorCode): void {
  if (INVISIBLE_EDGE.test(text)) {
    throw rangeError(name, 'must not start or end with whitespace, nor contain invisible characters', code);
  }
}

/** Throws unless `text` has no control character and no lone surrogate (which no encoding can carry). */
export function assertCharacters(name: string, text: string, code: InputErrorCode = 'invalid_option'): void {
  if (CONTROL_CHARACTER.test(text)) throw rangeError(name, 'must not contain control characters', code);
  if (LONE_SURROGATE.test(text)) {
    throw rangeError(name, 'must be well-formed Unicode (it contains half of a surrogate pair)', code);
  }
}

/** Throws unless `hint` is `access_token` or `refresh_token`; `code` is `invalid_token_input` for a batch's input. */
export function assertTokenTypeHint(
  hint: unknown,
  code: InputErrorCode = 'invalid_option',
): asserts hint is TokenTypeHint {
  if (typeof hint !== 'string' || !TOKEN_TYPE_HINTS.includes(hint)) {
    throw typeError('tokenTypeHint', `must be "access_token" or "refresh_token"`, code);
  }
}

/** Validates a client id or secret, like a token and without ever echoing it. */
export function assertPlainCredential(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw typeError(name, `must be a string, got ${describeType(value)}`);
  if (value.length === 0) throw rangeError(name, 'must not be empty');
  if (value.length > LIMITS.maxTokenLength)
    throw rangeError(name, `must be at most ${LIMITS.maxTokenLength} characters`);
  assertCharacters(name, value, 'invalid_option');
}

/**
 * Validates a bearer token, sent as it is in the `Authorization` header: a credential whose characters
 * a header can carry (Latin-1), with nothing a header would drop at either end (`Headers` trims spaces).
 */
export function assertBearerToken(name: string, value: unknown): asserts value is string {
  assertPlainCredential(name, value);
  assertNothingInvisible(name, value, 'invalid_option');
  if (NOT_LATIN1.test(value)) {
    throw rangeError(name, `must contain only characters an HTTP header can carry (Latin-1)`);
  }
}

/**
 * Throws a TypeError naming the first key of `options` (an object) that is not one of `known`: a typo
 * such as `timeout` for `timeoutMs` fails loudly instead of being ignored. `prefix` names where the
 * options sit (`retry.`).
 */
export function assertKnownKeys(options: object, known: ReadonlySet<string>, prefix = ''): void {
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    const input = `${prefix}${key.slice(0, 40)}`;
    throw new InputTypeError(`Unknown option "${input}"`, { code: 'invalid_option', input });
  }
}

/**
 * Throws unless `options` is an object whose every key is one of `known`: the first check of every
 * options argument. `where` names the function in the message (`revoke`,
 * `createRevocationClient(options)`).
 * @throws {InputTypeError} `code: 'invalid_option'`, `input`: `options` or the unknown key
 */
export function assertOptions(
  where: string,
  options: unknown,
  known: ReadonlySet<string>,
): asserts options is object {
  if (options === null || typeof options !== 'object')
    throw new InputTypeError(`${where}: options must be an object`, {
      code: 'invalid_option',
      input: 'options',
    });
  assertKnownKeys(options, known);
}

/**
 * Throws unless `signal` is undefined or an AbortSignal-like object: one with `aborted`, and with
 * `addEventListener` and `removeEventListener`, both of which `onAbort` calls (a signal from another
 * realm or a polyfill passes; an object that could not be stopped listening to would throw later, once
 * the request is sent).
 */
export function assertSignal(signal: unknown, name = 'signal'): asserts signal is AbortSignal | undefined {
  if (signal === undefined) return;
  const candidate = signal as AbortSignal | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.aborted !== 'boolean' ||
    typeof candidate.addEventListener !== 'function' ||
    typeof candidate.removeEventListener !== 'function'
  ) {
    throw typeError(name, `must be an AbortSignal`);
  }
}

/** `value`, or `fallback` when undefined; throws unless it is one of `allowed`. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw typeError(name, `must be one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  }
  return value as T;
}

/** `value`, or false when undefined; throws unless it is a boolean. */
export function optionalBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw typeError(name, `must be a boolean`);
  return value;
}

/** `value`; throws unless it is undefined or a function. */
export function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw typeError(name, `must be a function`);
  return value;
}

/**
 * `value`, or `fallback` when undefined (and a fallback is given); an InputTypeError unless a number, an
 * InputRangeError unless an integer from `min` to `max`. The one integer check of the package.
 */
export function integerInRange(
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback?: number,
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw typeError(name, `must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(name, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * A decimal integer written as text (a command-line flag's value) from `min` to `max`: the same check
 * as {@link integerInRange}, an InputRangeError (`invalid_option`, `input: name`) for anything else.
 */
export function integerFromText(name: string, text: string, min: number, max: number): number {
  if (!/^\d{1,16}$/.test(text)) throw rangeError(name, `must be an integer from ${min} to ${max}`);
  return integerInRange(name, Number(text), min, max);
}

/** A duration in milliseconds: an integer from 1 to the longest timer (2^31 - 1). */
export function positiveMs(name: string, value: unknown, fallback: number): number {
  return integerInRange(name, value, 1, LIMITS.maxTimerMs, fallback);
}

/**
 * Validates the URL of an endpoint that receives credentials (the revoke endpoint's base URL, the
 * token endpoint) and returns it without a trailing slash: `https:`, or `http:` only on a loopback host
 * or with `allowInsecureHttp`; no credentials, query or fragment (an empty `?` or `#` included).
 */
export function endpointUrl(name: string, value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== 'string' && !(value instanceof URL))
    throw typeError(name, `must be a string or a URL`);
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw typeError(name, `is not a valid absolute URL`);
  }
  if (url.username || url.password) throw typeError(name, `must not contain credentials`);
  if (url.search || url.hash || /[?#]/.test(url.href)) {
    throw typeError(name, `must not have a query or fragment`);
  }
  if (url.protocol === 'http:') {
    if (!allowInsecureHttp && !isLoopback(url.hostname)) {
      throw typeError(
        name,
        `uses plain http on a host that is not loopback; use https or set allowInsecureHttp: true`,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw typeError(name, `must use https: (or http: on loopback)`);
  }
  return url.href.replace(/\/+$/, '');
}

/** True for a loopback host (a URL's `hostname`): see {@link LOOPBACK}. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/**
 * A loopback host as the WHATWG URL parser writes it: `localhost` (with the trailing dot of a fully
 * qualified name, too), 127.0.0.0/8, `[::1]`, and 127.0.0.0/8 mapped into IPv6 (`[::ffff:7f00:1]`).
 */
const LOOPBACK = /^(?:localhost\.?|127(?:\.\d{1,3}){3}|\[::1\]|\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\])$/;

/** An {@link InputTypeError} whose message is `name` and `reason`. */
export function typeError(
  name: string,
  reason: string,
  code: InputErrorCode = 'invalid_option',
): InputTypeError {
  return new InputTypeError(`${name} ${reason}`, { code, input: name });
}

/** An {@link InputRangeError} whose message is `name` and `reason`. */
export function rangeError(
  name: string,
  reason: string,
  code: InputErrorCode = 'invalid_option',
): InputRangeError {
  return new InputRangeError(`${name} ${reason}`, { code, input: name });
}

/** A short, secret-free description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** The options of one revoke call. */
const CALL_OPTIONS: ReadonlySet<string> = new Set([
  'tokenTypeHint',
  'signal',
] satisfies (keyof RevokeOptions)[]);

/**
 * Validates the per-call options of revoke, and those revokeMany shares with it: an object whose every
 * key is one of `known` (revoke's by default; revokeMany passes its own), with a valid hint and signal.
 */
export function assertCallOptions(
  where: string,
  options: { tokenTypeHint?: unknown; signal?: unknown },
  known = CALL_OPTIONS,
): void {
  assertOptions(where, options, known);
  if (options.tokenTypeHint !== undefined) assertTokenTypeHint(options.tokenTypeHint);
  assertSignal(options.signal);
}
