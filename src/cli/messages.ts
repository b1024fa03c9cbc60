import type { InputRangeError, InputTypeError } from '../index';

/** The flag that sets each client option the CLI passes on (an input error's `input`). */
const FLAG_FOR_INPUT: Readonly<Record<string, string>> = {
  baseUrl: '--base-url',
  allowInsecureHttp: '--allow-insecure-http',
  timeoutMs: '--timeout-ms',
  bodyEncoding: '--encoding',
  clientAuthentication: '--auth',
  tokenTypeHint: '--hint',
  treatInvalidTokenAsRevoked: '--treat-invalid-as-revoked',
};

/**
 * A plain-http `--base-url` to a host that is not loopback, without `--allow-insecure-http`: said by
 * the CLI itself, with the flag that allows it (the client's own message names its option).
 */
export const PLAIN_HTTP_BASE_URL =
  '--base-url uses plain http on a host that is not loopback; use https, or add --allow-insecure-http';

/**
 * An input error of the client (code `invalid_option`) in the CLI's words: the option at fault (its
 * `input`) named by its flag. The core's message is the input's name and the reason (validate.ts);
 * an input with no flag keeps the core's words (the credentials from the environment are checked
 * before, by the variable's name: credential-variables.ts).
 */
export function inputErrorInCliWords(error: InputTypeError | InputRangeError): string {
  const flag = FLAG_FOR_INPUT[error.input];
  if (flag === undefined) return error.message;
  const named = error.message.startsWith(`${error.input} `);
  const reason = named ? error.message.slice(error.input.length) : `: ${error.message}`;
  return `${flag}${reason}`;
}

/** A duration for people: whole seconds from 10 s up, else one decimal. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return seconds >= 10 ? `${Math.round(seconds)} s` : `${seconds.toFixed(1)} s`;
}
