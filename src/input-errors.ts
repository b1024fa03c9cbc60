import { errorClass } from './error-class';

/**
 * The `code` of an input error: what was wrong, told apart from RFC 7009's outcomes.
 * - `invalid_option`: an option of any function of the package (unknown, of the wrong type, out of
 *   range), or a per-call option (`tokenTypeHint`, `signal`);
 * - `invalid_token_input`: a token given to revoke (`revoke`'s token, `signOut`'s tokens, an input of
 *   `revokeMany`): not a string, empty, too long, with control characters or a lone surrogate.
 */
export type InputErrorCode = 'invalid_option' | 'invalid_token_input';

/** What an input error says besides its message. */
export interface InputErrorDetails {
  /** @see InputErrorCode */
  code: InputErrorCode;
  /** The name of the input at fault, as the message gives it: an option (`retry.maxAttempts`), an argument (`token`). */
  input: string;
  /** The failure behind it, when there is one (a getter that threw). */
  cause?: unknown;
}

/**
 * An input of the wrong type, or an unknown option: thrown (or rejected) before any request is sent.
 * A `TypeError`, with a `code` and the `input` at fault; its message never repeats a token or a secret.
 */
export class InputTypeError extends TypeError {
  static {
    errorClass(InputTypeError, 'InputTypeError');
  }
  /** @see InputErrorCode */
  readonly code: InputErrorCode;
  /** @see InputErrorDetails.input */
  readonly input: string;

  constructor(message: string, details: InputErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.input = details.input;
  }
}

/**
 * An input of the right type out of its bounds (an empty or too long token, a number out of range):
 * thrown (or rejected) before any request is sent. A `RangeError`, with a `code` and the `input` at
 * fault; its message never repeats a token or a secret.
 */
export class InputRangeError extends RangeError {
  static {
    errorClass(InputRangeError, 'InputRangeError');
  }
  /** @see InputErrorCode */
  readonly code: InputErrorCode;
  /** @see InputErrorDetails.input */
  readonly input: string;

  constructor(message: string, details: InputErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.input = details.input;
  }
}

/** True for an input error of this package (any build): the portable form of both `instanceof`. */
export function isInputError(value: unknown): value is InputTypeError | InputRangeError {
  return value instanceof InputTypeError || value instanceof InputRangeError;
}
