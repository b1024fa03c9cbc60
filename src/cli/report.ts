import { isInputError, RevocationError, type RevocationOutcome } from '../index';
import { RunStopped } from './stopping';

/**
 * What the CLI reports for one input: its final outcome, skipped (the journal says an earlier run
 * finished it, or an earlier copy in this run did), or the code and message of its error. A revoked
 * token says whether DigiLocker confirmed it: `confirmed: false` when DigiLocker called it invalid
 * after a sending that may have revoked it. A failure says whether the token may be revoked all the
 * same (`mayHaveRevoked`: a sending of this run or an earlier one may have reached DigiLocker without
 * its answer); when it may not, a rerun treats the token as never sent. Nothing here can hold the
 * token: the client's errors are redacted (and redacted again here, in every echo form), and an input
 * error names only the rule the token broke.
 */
export type Report =
  | { outcome: 'revoked'; confirmed: boolean }
  | { outcome: 'already_invalid' }
  | { outcome: 'skipped' }
  | { error: string; message: string; mayHaveRevoked: boolean };

/** The report of a token handed to the client, its outcome or its failure: what the journal records. */
export type SentReport = Exclude<Report, { outcome: 'skipped' }>;

/** What the report of one outcome needs to know besides the outcome. */
export interface ReportContext {
  /**
   * True when something else may have revoked this token: an earlier run sent it without a definitive
   * answer (from the journal), or another copy of it (listed again) was handed to the client in this run.
   */
  sentBefore: boolean;
  /**
   * True when an attempt of this call may have reached DigiLocker without an answer (from the client's
   * events): a call the run stopped, whose requests were all answered or none sent, revoked nothing.
   */
  reachedUnanswered: boolean;
  /** Removes the token and the secrets from a message, in every form. */
  redact: (text: string) => string;
}

/**
 * The report of an outcome of revokeMany. The ambiguity rule across runs and copies: a token sent
 * before (by an earlier run, or as another copy in this run) that DigiLocker now calls invalid was most
 * likely revoked by that sending (revoked, unconfirmed); and any failure of such a token may have
 * revoked it.
 */
export function reportOutcome(outcome: RevocationOutcome, context: ReportContext): SentReport {
  if (outcome.ok) {
    const { result } = outcome;
    // Unconfirmed: revoked by an attempt whose answer was lost, then "invalid token" on the retry.
    if (result.outcome === 'revoked') return { outcome: 'revoked', confirmed: result.confirmed };
    return context.sentBefore ? { outcome: 'revoked', confirmed: false } : { outcome: 'already_invalid' };
  }
  const { error } = outcome;
  const failure = (code: string, message: string, thisCallMayHaveRevoked: boolean) => ({
    error: code,
    message,
    mayHaveRevoked: context.sentBefore || thisCallMayHaveRevoked,
  });
  if (error instanceof RevocationError) {
    if (error.code === 'invalid_token' && context.sentBefore) return { outcome: 'revoked', confirmed: false };
    return failure(error.code, context.redact(error.message), error.mayHaveRevoked);
  }
  if (error instanceof RunStopped) return failure('stopped', error.message, context.reachedUnanswered);
  // A token revokeMany refused before sending it (code invalid_token_input): the CLI's invalid_input.
  if (isInputError(error)) return failure('invalid_input', context.redact(error.message), false);
  return failure('error', error instanceof Error ? context.redact(error.message) : 'Unknown error', true);
}
