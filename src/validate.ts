import { LIMITS } from './defaults';
import type { TokenTypeHint } from './raw';

/**
 * Every input check of the package. Each throws a TypeError for a value of the wrong type and a
 * RangeError for a value of the right type out of bounds, names what it checks, and never repeats a
 * token's or secret's value.
 */

const TOKEN_TYPE_HINTS: readonly string[] = ['access_token', 'refresh_token'] satisfies TokenTypeHint[];
/** C0 controls, DEL and C1 controls: never part of a token, and a sign of a parsing mistake upstream. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** Half of a surrogate pair without its other half: not Unicode text, and no encoding can send it. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Beyond Latin-1: an HTTP header (a bearer token's) cannot carry it. */
const NOT_LATIN1 = /[^\t\u0020-\u00ff]/;

/**
 * Throws unless `token` is a non-empty string of at most {@link LIMITS}.maxTokenLength characters,
 * without control characters, and well-formed Unicode (no lone surrogate).
 */
export function assertToken(token: unknown, name = 'token'): asserts token is string {
  if (typeof token !== 'string') throw new TypeError(`${name} must be a string, got ${describeType(token)}`);
  if (token.length === 0) throw new RangeError(`${name} must not be empty`);
  if (token.length > LIMITS.maxTokenLength) {
    throw new RangeError(`${name} must be at most ${LIMITS.maxTokenLength} characters, got ${token.length}`);
  }
  assertCharacters(name, token);
}

/** Throws unless `text` has no control character and no lone surrogate. */
function assertCharacters(name: string, text: string): void {
  if (CONTROL_CHARACTER.test(text)) throw new RangeError(`${name} must not contain control characters`);
  if (LONE_SURROGATE.test(text)) {
    throw new RangeError(`${name} must be well-formed Unicode (it contains half of a surrogate pair)`);
  }
}

/** Throws unless `hint` is `access_token` or `refresh_token`. */
export function assertTokenTypeHint(hint: unknown, name = 'tokenTypeHint'): asserts hint is TokenTypeHint {
  if (typeof hint !== 'string' || !TOKEN_TYPE_HINTS.includes(hint)) {
    throw new TypeError(`${name} must be "access_token" or "refresh_token"`);
  }
}

/** Validates a client id or secret, like a token and without ever echoing it. */
export function assertPlainCredential(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describeType(value)}`);
  if (value.length === 0) throw new RangeError(`${name} must not be empty`);
  if (value.length > LIMITS.maxTokenLength)
    throw new RangeError(`${name} must be at most ${LIMITS.maxTokenLength} characters`);
  assertCharacters(name, value);
}

/**
 * Validates a bearer token, sent as it is in the `Authorization` header: a credential whose characters
 * a header can carry (Latin-1).
 */
export function assertBearerToken(name: string, value: unknown): asserts value is string {
  assertPlainCredential(name, value);
  if (NOT_LATIN1.test(value)) {
    throw new RangeError(`${name} must contain only characters an HTTP header can carry (Latin-1)`);
  }
}

/**
 * Throws a TypeError naming the first key of `options` (an object) that is not one of `known`: a typo
 * such as `timeout` for `timeoutMs` fails loudly instead of being ignored. `prefix` names where the
 * options sit (`retry.`).
 */
export function assertKnownKeys(options: object, known: ReadonlySet<string>, prefix = ''): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`Unknown option "${prefix}${key.slice(0, 40)}"`);
  }
}

/** Throws unless `signal` is undefined or an AbortSignal-like object. */
export function assertSignal(signal: unknown, name = 'signal'): asserts signal is AbortSignal | undefined {
  if (signal === undefined) return;
  const candidate = signal as AbortSignal | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.aborted !== 'boolean' ||
    typeof candidate.addEventListener !== 'function'
  ) {
    throw new TypeError(`${name} must be an AbortSignal`);
  }
}

/** `value`, or `fallback` when undefined; throws unless it is one of `allowed`. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(`${name} must be one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  }
  return value as T;
}

/** `value`, or false when undefined; throws unless it is a boolean. */
export function optionalBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

/** `value`; throws unless it is undefined or a function. */
export function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function`);
  return value;
}

/** `value`, or `fallback` when undefined; a TypeError unless a number, a RangeError unless an integer in range. */
export function integerInRange(
  name: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
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
    throw new TypeError(`${name} must be a string or a URL`);
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError(`${name} is not a valid absolute URL`);
  }
  if (url.username || url.password) throw new TypeError(`${name} must not contain credentials`);
  if (url.search || url.hash || /[?#]/.test(url.href)) {
    throw new TypeError(`${name} must not have a query or fragment`);
  }
  if (url.protocol === 'http:') {
    if (!allowInsecureHttp && !isLoopback(url.hostname)) {
      throw new TypeError(
        `${name} uses plain http on a host that is not loopback; use https or set allowInsecureHttp: true`,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new TypeError(`${name} must use https: (or http: on loopback)`);
  }
  return url.href.replace(/\/+$/, '');
}

/** True for `localhost`, `127.0.0.0/8` and `::1` (a URL's `hostname`). */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** A short, secret-free description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Validates the per-call options shared by revoke, signOut and revokeMany. */
export function assertCallOptions(
  where: string,
  options: { tokenTypeHint?: unknown; signal?: unknown },
): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${where}: options must be an object`);
  if (options.tokenTypeHint !== undefined) assertTokenTypeHint(options.tokenTypeHint);
  assertSignal(options.signal);
}
