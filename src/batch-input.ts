import { InputTypeError } from './input-errors';
import { assertToken, assertTokenTypeHint, describeType, typeError } from './validate';
import type { TokenTypeHint } from './wire';

/** One input of revokeMany, read: its token, hint and id, or why it cannot be sent. */
export type ReadInput =
  | { token: string; hint: TokenTypeHint | undefined; id: string | number | undefined; error?: undefined }
  /** `text`: the rejected token when it was a string, to fingerprint. */
  | { error: TypeError | RangeError; id: string | number | undefined; text: string | undefined };

/**
 * Normalises one input; an invalid one becomes an outcome with its TypeError or RangeError. Each field
 * is read once (a getter could answer differently twice), and an input whose fields cannot be read (a
 * getter that throws, a revoked Proxy) is a TypeError with that failure as its cause.
 */
export function readInput(input: unknown, defaultHint: TokenTypeHint | undefined): ReadInput {
  if (typeof input === 'string') {
    try {
      assertToken(input);
      return { token: input, hint: defaultHint, id: undefined };
    } catch (error) {
      return { error: error as TypeError | RangeError, id: undefined, text: input };
    }
  }
  if (input === null || typeof input !== 'object') {
    const message = `each input must be a string or { token, tokenTypeHint?, id? }, got ${describeType(input)}`;
    const error = new InputTypeError(message, { code: 'invalid_token_input', input: 'input' });
    return { error, id: undefined, text: undefined };
  }
  let token: unknown;
  let hint: unknown;
  let rawId: unknown;
  try {
    ({ token, tokenTypeHint: hint, id: rawId } = input as Record<string, unknown>);
  } catch (cause) {
    const error = new InputTypeError('each input must be readable: reading its fields threw', {
      code: 'invalid_token_input',
      input: 'input',
      cause,
    });
    return { error, id: undefined, text: undefined };
  }
  const id = isId(rawId) ? rawId : undefined;
  try {
    if (rawId !== undefined && id === undefined)
      throw typeError('id', 'must be a string or a finite number', 'invalid_token_input');
    assertToken(token);
    if (hint !== undefined) assertTokenTypeHint(hint, 'invalid_token_input');
    return { token, hint: (hint as TokenTypeHint | undefined) ?? defaultHint, id };
  } catch (error) {
    return {
      error: error as TypeError | RangeError,
      id,
      text: typeof token === 'string' ? token : undefined,
    };
  }
}

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}
