import { isInputError, RevocationError, type RevocationOutcome } from '../index';
import { RunStopped } from './stopping';

/**
 * What the CLI reports for one input: its final outcome, skipped (the journal says an earlier run
 * finished it, or an earlier copy in this run did), or the code and message of its error. A revoked
 * token says whether DigiLocker confirmed it: `confirmed: false` when DigiLocker called it invalid
 * after a sending that may have revoked it. Nothing here can hold the token: the client's errors are
 * redacted (and redacted again here, in every echo form), and an input error names only the rule the
 * token broke.
 */
export type Report =
  | { outcome: 'revoked'; confirmed: boolean }
  | { outcome: 'already_invalid' }
  | { outcome: 'skipped' }
  | { error: string; message: string };

/** The report of a token handed to the client, its outcome or its failure: what the journal records. */
export type SentReport = Exclude<Report, { outcome: 'skipped' }>;

/** What the report of one outcome needs to know besides the outcome. */
export interface ReportContext {
  /**
   * True when something else may have revoked this token: an earlier run sent it without a definitive
   * answer (from the journal), or another copy of it (listed again) was handed to the client in this run.
   */
  sentBefore: boolean;
  /** Removes the token and the secrets from a message, in every form. */
  redact: (text: string) => string;
}

/** Failures that prove the token was not revoked by its call: DigiLocker called it invalid, or it was never sent. */
const DEFINITIVE_FAILURES: ReadonlySet<string> = new Set(['invalid_token', 'invalid_input']);

/**
 * The report of an outcome of revokeMany. The ambiguity rule across runs and copies: a token sent
 * before (by an earlier run, or as another copy in this run) that DigiLocker now calls invalid was most
 * likely revoked by that sending (revoked, unconfirmed).
 */
export function reportOutcome(outcome: RevocationOutcome, context: ReportContext): SentReport {
  if (outcome.ok) {
    const { result } = outcome;
    // Unconfirmed: revoked by an attempt whose answer was lost, then "invalid token" on the retry.
    if (result.outcome === 'revoked') return { outcome: 'revoked', confirmed: result.confirmed };
    return context.sentBefore ? { outcome: 'revoked', confirmed: false } : { outcome: 'already_invalid' };
  }
  const { error } = outcome;
  if (error instanceof RevocationError) {
    if (error.code === 'invalid_token' && context.sentBefore) return { outcome: 'revoked', confirmed: false };
    return { error: error.code, message: context.redact(error.message) };
  }
  if (error instanceof RunStopped) return { error: 'stopped', message: error.message };
  // A token revokeMany refused before sending it (code invalid_token_input): the CLI's invalid_input.
  if (isInputError(error)) return { error: 'invalid_input', message: context.redact(error.message) };
  return {
    error: 'error',
    message: error instanceof Error ? context.redact(error.message) : 'Unknown error',
  };
}

/** True when a failure's code proves the token was not revoked by that call (see {@link reportOutcome}). */
export function isDefinitiveFailure(code: string): boolean {
  return DEFINITIVE_FAILURES.has(code);
}
