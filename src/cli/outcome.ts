import { RevocationError, type RevocationOutcome } from '../index';
import { inCliWords } from './messages';
import { RunStopped } from './run-control';

/**
 * What the CLI reports for one input: its final outcome, skipped (the journal says an earlier run
 * finished it), or the code and message of its error. Nothing here can hold the token: the client's
 * errors are redacted (and redacted again here, in every echo form), and an input error names only
 * the rule the token broke.
 */
export type OutcomeReport =
  | { outcome: 'revoked' | 'already_invalid'; confirmed?: false }
  | { outcome: 'skipped' }
  | { error: string; message: string };

/** A report that is final or failed: what the journal records. */
export type FinalReport = Exclude<OutcomeReport, { outcome: 'skipped' }>;

/** What the report of one outcome needs to know besides the outcome. */
export interface ReportContext {
  /** True when an earlier run sent this token without a definitive answer (from the journal). */
  sentBefore: boolean;
  /** Removes the token and the secrets from a message, in every form. */
  redact: (text: string) => string;
}

/**
 * The report of an outcome of revokeMany. The ambiguity rule across runs: a token an earlier run sent
 * that DigiLocker now calls invalid was most likely revoked by that run (revoked, unconfirmed).
 */
export function reportOutcome(outcome: RevocationOutcome, context: ReportContext): FinalReport {
  if (outcome.ok) {
    const { result } = outcome;
    if (result.outcome === 'already_invalid' && context.sentBefore)
      return { outcome: 'revoked', confirmed: false };
    // Revoked by an attempt whose answer was lost, then "invalid token" on the retry.
    return result.confirmed ? { outcome: result.outcome } : { outcome: result.outcome, confirmed: false };
  }
  const { error } = outcome;
  if (error instanceof RevocationError) {
    if (error.code === 'invalid_token' && context.sentBefore) return { outcome: 'revoked', confirmed: false };
    return { error: error.code, message: context.redact(inCliWords(error.message)) };
  }
  if (error instanceof RunStopped) return { error: 'stopped', message: error.message };
  if (error instanceof TypeError || error instanceof RangeError)
    return { error: 'invalid_input', message: context.redact(inCliWords(error.message)) };
  return {
    error: 'error',
    message: error instanceof Error ? context.redact(error.message) : 'Unknown error',
  };
}
