import {
  InvalidClientError,
  NetworkError,
  type RevocationClient,
  type TokenInput,
  type TokenTypeHint,
} from '../index';
import { assertToken } from '../validate';
import type { Journal } from './journal';
import { redactEchoes, secretsRedactor } from './redaction';
import { reportOutcome } from './report';
import type { Reporter } from './reporter';
import { redactSentTokens } from './sent-token-echoes';
import { SentTokens } from './sent-tokens';
import type { StopCause, Stopping } from './stopping';
import type { Tally } from './summary';
import { digestOf, type TokenDigest } from './token-digest';
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
  /** Its position in the input. */
  index: number;
  token: string;
  digest: TokenDigest;
  /** True when the journal says an earlier run sent it without a definitive answer. */
  sentEarlier: boolean;
}

/**
 * Feeds the inputs to revokeMany and reports every outcome. Each token is hashed once (its SHA-256
 * keys the journal and the copies sent in this run); the journal skips the
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
  // Any token of this run or of the journal's earlier runs: a mixed-up response may echo another one.
  const wasSent = (key: string) =>
    sent.wasSent(key) || !!parts.journal?.isFinished(key) || !!parts.journal?.wasSent(key);
  const outcomes = client.revokeMany(feed(parts, inFlight, sent), {
    concurrency: parts.concurrency,
    signal: stopping.signal,
    ...(parts.hint ? { tokenTypeHint: parts.hint } : {}),
  });
  for await (const outcome of outcomes) {
    const id = String(outcome.id); // the CLI gives each input its index as id
    const { index, token, digest, sentEarlier } = inFlight.get(id) as InFlight;
    inFlight.delete(id);
    // Copies handed over before this outcome, later ones in the input included: any may have revoked it.
    const copies = sent.copies(digest.key);
    const reachedUnanswered = stopping.callEnded(outcome.fingerprint, outcome.ok ? undefined : outcome.error);
    const report = reportOutcome(outcome, {
      sentBefore: sentEarlier || copies > 1,
      reachedUnanswered,
      redact: (text) => {
        // The other tokens first, while they stand whole: the fragments pass of this token's echoes
        // would otherwise replace a run they share with it (the header of two JWTs) and leave the rest
        // of them (the signature) to be seen. Again last, for a word that only stands whole once the
        // invisible characters and secrets inside it are gone.
        const others = redactSentTokens(text, wasSent);
        return redactSentTokens(redactSecrets(redactEchoes(others, token)), wasSent);
      },
    });
    tally.noteRateLimit(outcome);
    if ('outcome' in report) sent.finish(digest.key);
    else if (!report.mayHaveRevoked) sent.forget(digest.key); // a later copy is new
    await reporter.sent(index, digest.hex, outcome.fingerprint, report);
    if (!outcome.ok) {
      const refusal = refusalOf(outcome.error, parts);
      if (refusal) parts.stop('refused', refusal);
    }
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
    const digest = digestOf(item.token);
    // Finished by an earlier run, or by an earlier copy in this run (counted the same: skipped); not a
    // token the client refuses, which goes on to its invalid_input: a journal of an earlier release may
    // have finished a pasted copy (DigiLocker's invalid_token for it).
    const finished = journal && (journal.isFinished(digest.key) || sent.isFinished(digest.key));
    if (finished && acceptedByClient(item.token)) {
      await reporter.skipped(index, digest.hex);
      continue;
    }
    const sentEarlier = journal?.wasSent(digest.key) ?? false;
    if (journal && !journal.recordSending(digest.hex)) return;
    sent.add(digest.key);
    const id = String(index);
    inFlight.set(id, { index, token: item.token, digest, sentEarlier });
    yield { token: item.token, id };
  }
}

/** Whether the client takes `token` as input (the rule of `assertToken`): only then may a journal skip it. */
function acceptedByClient(token: string): boolean {
  try {
    assertToken(token);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why no more tokens can be sent, when this failure says so: DigiLocker refused the credentials, or a
 * proxy refused the tunnel for good (a 4xx, not retried: a 407 wants other proxy credentials, and a
 * proxy may lock an account out after a few failed logins). Undefined for any other failure.
 */
function refusalOf(error: Error, parts: RunParts): string | undefined {
  const rerun = parts.journal ? 'rerun with the same --journal to continue' : 'rerun';
  if (error instanceof InvalidClientError)
    return (
      'DigiLocker refused the client credentials (invalid_client); no more tokens are sent with them. ' +
      `Check DIGILOCKER_CLIENT_ID and DIGILOCKER_CLIENT_SECRET (or DIGILOCKER_ACCESS_TOKEN), then ${rerun}`
    );
  if (error instanceof NetworkError && !error.retryable)
    return `${error.message}; no more tokens are sent through it. Check --proxy or HTTPS_PROXY, then ${rerun}`;
  return undefined;
}
