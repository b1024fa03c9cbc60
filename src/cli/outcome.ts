import { RevocationError } from '../errors';
import type { RevocationOutcome } from '../index';

/**
 * What the CLI reports for one token: its final outcome, or the code and message of its error. Nothing
 * here can hold the token: the client's errors are redacted, and an input error names only the rule
 * the token broke.
 */
export type OutcomeReport =
  | { outcome: 'revoked' | 'already_invalid'; confirmed?: false }
  | { error: string; message: string };

/** The report of an outcome of revokeMany. */
export function reportOutcome(outcome: RevocationOutcome): OutcomeReport {
  if (outcome.ok) {
    const { result } = outcome;
    // Revoked by an attempt whose answer was lost, then "invalid token" on the retry.
    return result.confirmed ? { outcome: result.outcome } : { outcome: result.outcome, confirmed: false };
  }
  const { error } = outcome;
  if (error instanceof RevocationError) return { error: error.code, message: error.message };
  if (error instanceof TypeError || error instanceof RangeError)
    return { error: 'invalid_input', message: error.message };
  return { error: 'error', message: error instanceof Error ? error.message : 'Unknown error' };
}
