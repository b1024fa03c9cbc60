import { InvalidArgumentError } from 'commander';
import { isInputError } from '../index';
import { integerFromText } from '../validate';

/**
 * An option parser that accepts a decimal integer from `min` to `max`, by the package's one integer
 * check (validate.ts); anything else is commander's InvalidArgumentError (a usage error, exit 2).
 */
export function integerFrom(min: number, max: number): (value: string) => number {
  return (value) => {
    try {
      return integerFromText('value', value, min, max);
    } catch (error) {
      if (isInputError(error)) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
      throw error;
    }
  };
}
