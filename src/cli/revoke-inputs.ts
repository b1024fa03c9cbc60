import { createHash } from 'node:crypto';
import { InvalidClientError, type RevocationClient, type TokenInput, type TokenTypeHint } from '../index';
import type { Journal } from './journal';
import { isDefinitiveFailure, reportOutcome } from './outcome';
import { redactEchoes, secretsRedactor } from './redaction';
import type { Reporter } from './reporter';
import { SentTokens } from './sent-tokens';
import type { StopCause, Stopping } from './stopping';
import type { Tally } from './summary';
import type { TokenLines } from './token-input';

/** What one run of `revoke` works with. */
export interface RunParts {
  client: RevocationClient;
  input: TokenLines;
  journal: Journal | undefined;
  stopping: Stopping;
  reporter: Reporter;
  tally: Tally;
  /** Stops the run for a cause, with a one-line reason (printed once). */
  stop: (cause: StopCause, reason: string) => void;
  /** The secrets of the environment, redacted from messages with each token. */
  secrets: ReadonlyArray<string | undefined>;
  concurrency: number;
  hint: TokenTypeHint | undefined;
}

/** A token handed to the client, until its outcome. */
interface InFlight {
  token: string;
  /** True when the journal says an earlier run sent it without a definitive answer. */
  sentEarlier: boolean;
}

/**
 * Feeds the inputs to revokeMany and reports every outcome. Each token is hashed once (its SHA-256
 * keys the journal and the copies sent in this run, and gives its fingerprint); the journal skips the
 * finished ones and records each other one as being sent before it is handed over. When that record
 * cannot be written, the token is not sent. A token sent before (by an earlier run, or as another copy
 * of it in this run) that DigiLocker calls invalid counts as revoked, unconfirmed. The first
 * invalid_client stops the run: the credentials are wrong for every token.
 */
export async function revokeInputs(parts: RunParts): Promise<void> {
  const { client, stopping, reporter, tally } = parts;
  // The tokens in flight, by id: to redact each one's echoes from its error message.
  const inFlight = new Map<string, InFlight>();
  const sent = new SentTokens();
  const redactSecrets = secretsRedactor(parts.secrets);
  const outcomes = client.revokeMany(feed(parts, inFlight, sent), {
    concurrency: parts.concurrency,
    signal: stopping.signal,
    ...(parts.hint ? { tokenTypeHint: parts.hint } : {}),
  });
  for await (const outcome of outcomes) {
    const id = String(outcome.id ?? ''); // the CLI gives each input a string id
    const [position = '', sha256 = ''] = id.split(' ');
    const { token, sentEarlier = false } = inFlight.get(id) ?? {};
    // Copies handed over before this outcome, later ones in the input included: any may have revoked it.
    const copies = sent.copies(sha256);
    const report = reportOutcome(outcome, {
      sentBefore: sentEarlier || copies > 1,
      redact: (text) => redactSecrets(token === undefined ? text : redactEchoes(text, token)),
    });
    inFlight.delete(id);
    stopping.callEnded(outcome.fingerprint, outcome.ok ? undefined : outcome.error);
    tally.noteRateLimit(outcome);
    if ('outcome' in report) sent.finish(sha256);
    else if (copies === 1 && isDefinitiveFailure(report.error)) sent.forget(sha256); // a later copy is new
    await reporter.final(Number(position), sha256, outcome.fingerprint, report);
    if (!outcome.ok && outcome.error instanceof InvalidClientError)
      parts.stop('credentials', refusedReason(parts));
  }
}

async function* feed(
  parts: RunParts,
  inFlight: Map<string, InFlight>,
  sent: SentTokens,
): AsyncGenerator<TokenInput> {
  const { input, journal, reporter } = parts;
  let position = 0;
  for await (const item of input) {
    const index = position++;
    if ('invalid' in item) {
      await reporter.invalidLine(index, item.invalid);
      continue;
    }
    // node:crypto's native SHA-256: a rerun may skip a million journaled tokens.
    const sha256 = createHash('sha256').update(item.token).digest('hex');
    // Finished by an earlier run, or by an earlier copy in this run (counted the same: skipped).
    if (journal && (journal.isFinished(sha256) || sent.isFinished(sha256))) {
      await reporter.skipped(index, sha256);
      continue;
    }
    const sentEarlier = journal?.wasSent(sha256) ?? false;
    if (journal && !journal.recordSending(sha256)) return;
    sent.add(sha256);
    const id = `${index} ${sha256}`;
    inFlight.set(id, { token: item.token, sentEarlier });
    yield { token: item.token, id };
  }
}

function refusedReason(parts: RunParts): string {
  const rerun = parts.journal ? 'rerun with the same --journal to continue' : 'rerun';
  return (
    'DigiLocker refused the client credentials (invalid_client); no more tokens are sent with them. ' +
    `Check DIGILOCKER_CLIENT_ID and DIGILOCKER_CLIENT_SECRET (or DIGILOCKER_ACCESS_TOKEN), then ${rerun}`
  );
}
