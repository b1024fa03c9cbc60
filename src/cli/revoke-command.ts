import type { Environment, TokenTypeHint } from '../index';
import { clientFromOptions, fetchFromOptions } from './client-from-options';
import { EXIT } from './exit-codes';
import type { CliIo } from './io';
import { Journal } from './journal';
import { refuseJournalOfInput } from './journal-file';
import { Output } from './output';
import { createProgress, type Progress } from './progress';
import { secretsOf } from './redaction';
import { Reporter } from './reporter';
import { type RunParts, revokeInputs } from './revoke-inputs';
import { type StopCause, Stopping } from './stopping';
import { formatSummary, Tally } from './summary';
import { type CommandSpan, loadTelemetry, traced } from './telemetry';
import { countTokens, describeSource, openTokenSource, readTokens, type TokenSource } from './token-input';

/** The options of `digilocker-revoke revoke`, as commander parses them. */
export interface RevokeFlags {
  file?: string;
  hint?: TokenTypeHint;
  env?: Environment;
  baseUrl?: string;
  allowInsecureHttp?: boolean;
  encoding?: 'form' | 'json';
  auth?: 'basic' | 'post' | 'bearer';
  concurrency: number;
  timeoutMs?: number;
  treatInvalidAsRevoked?: boolean;
  journal?: string;
  json?: boolean;
  /** The proxy of every request but to a loopback base URL; else the environment's (HTTPS_PROXY, ...). */
  proxy?: string;
  /** Queue the tokens in this outbox store instead of revoking them (program.ts dispatches it). */
  viaOutbox?: string;
}

const TERMINAL_HINT = 'Reading tokens from the terminal, one per line; end with Ctrl-D (Ctrl-C to stop).\n';
const INTERRUPTED =
  'digilocker-revoke: interrupted; finishing the requests in flight (interrupt again to quit at once)\n';

/**
 * Revokes every token of the input with bounded concurrency, journals and reports each outcome, and
 * returns the exit code. Never prints or stores a token. It stops reading input on a signal (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT: exit 130), when the credentials are refused, or when the journal, standard
 * output or the input fails (exit 1): the requests on the wire finish and are journaled, and the
 * summary is printed.
 * `redact` is applied to the messages that quote an argument (a path).
 */
export async function revokeCommand(
  tokens: string[],
  flags: RevokeFlags,
  io: CliIo,
  redact: (text: string) => string,
): Promise<number> {
  const fetch = fetchFromOptions(flags.proxy, flags.concurrency);
  let journal: Journal | undefined;
  let stopListening = () => {};
  try {
    let stopping: Stopping | undefined;
    const create = (await loadTelemetry())?.createInstrumentedRevocationClient;
    const client = clientFromOptions(flags, io.env, fetch, (event) => stopping?.observe(event), create);
    const source = await openTokenSource(tokens, flags.file, io.stdin);
    let progress: Progress | undefined;
    const say = (line: string) => {
      progress?.stop();
      io.stderr.write(redact(line));
    };
    const told = new Set<StopCause>();
    const stop = (cause: StopCause, reason: string) => {
      // The reason may name a path (shown as typed, unless it looks like a token): redacted once here.
      const shown = redact(reason);
      stopping?.stop(cause, shown);
      // Each cause once: a journal failing after the input did is told too (its outcomes are missing).
      if (!told.has(cause)) say(`digilocker-revoke: stopped: ${shown}\n`);
      told.add(cause);
    };
    const stdout = new Output(io.stdout, (reason) => stop('output', reason));
    const input = readTokens(source, (reason) => stop('input', reason));
    stopping = new Stopping(() => input.stop());
    const running = stopping;
    // Before the journal opens (a large one takes a while to read): a signal then stops the run as
    // one later does, with its line and a summary, instead of ending the process without a word.
    stopListening = io.onInterrupt(() => {
      // A second signal quits at once: every outcome so far is in the journal (written synchronously).
      if (running.interrupted) io.exit(EXIT.interrupted);
      running.stop();
      stdout.stopWaiting();
      // A stopped bar ends its line; without one, a terminal's echoed ^C still holds the line.
      say(`${io.stderr.isTTY && !progress?.active ? '\n' : ''}${INTERRUPTED}`);
    });
    if (flags.journal) refuseJournalOfInput(flags.journal, source);
    journal = flags.journal
      ? await Journal.open(flags.journal, {
          warn: (message) => io.stderr.write(`warning: ${redact(message)}\n`),
          onFailure: (reason) => stop('journal', reason),
        })
      : undefined;
    if (source.kind !== 'arguments' && source.isTTY) io.stderr.write(TERMINAL_HINT);
    progress = startProgress(source, io);
    const describe = () => redact(describeSource(source));
    const parts = { flags, io, stdout, client, input, journal, stopping, progress, stop, describe };
    return await traced('revoke', (span) => runAndSummarize(parts, span));
  } finally {
    stopListening();
    journal?.close();
    await fetch.close();
  }
}

/** What the command hands to one run: {@link RunParts} less what the run itself makes. */
type CommandParts = {
  flags: RevokeFlags;
  io: CliIo;
  /** Standard output, which a signal stops waiting for its reader. */
  stdout: Output;
  progress: Progress;
  stop: (cause: StopCause, reason: string) => void;
  /**
   * The input as named in messages, redacted when said: the redactor of a run given thousands of tokens
   * as arguments takes seconds and hundreds of megabytes to build, for a line such a run never prints.
   */
  describe: () => string;
} & Pick<RunParts, 'client' | 'input' | 'journal' | 'stopping'>;

/** Runs to the end of the input (or a stop), prints the summary, and returns the exit code. */
async function runAndSummarize(parts: CommandParts, span?: CommandSpan): Promise<number> {
  const { flags, io, stdout, stopping, progress } = parts;
  const tally = new Tally();
  const reporter = new Reporter(tally, parts.journal, flags.json ? stdout : undefined, () =>
    progress.update({ done: tally.done + tally.skipped, failed: tally.failed, rate: tally.rate() }),
  );
  try {
    await revokeInputs({
      ...parts,
      reporter,
      tally,
      secrets: secretsOf(io.env, [flags.proxy]),
      concurrency: flags.concurrency,
      hint: flags.hint,
    });
  } finally {
    progress.stop();
  }

  const summary = tally.summary(stopping.interrupted, stopping.failure?.reason);
  span?.setAttribute('digilocker.batch.size', summary.total);
  span?.setAttribute('digilocker.batch.revoked', summary.revoked + summary.revokedUnconfirmed);
  span?.setAttribute('digilocker.batch.already_invalid', summary.alreadyInvalid);
  span?.setAttribute('digilocker.batch.failed', summary.failed);
  const text = formatSummary(summary, tally);
  // After a failed write or read, the summary goes with the reason, to stderr.
  const failed = stopping.failure !== undefined && stopping.failure.cause !== 'refused';
  if (flags.json) {
    await stdout.writeLine(JSON.stringify({ summary }));
    const unwritten = await stdout.finish();
    if (unwritten > 0)
      io.stderr.write(
        `digilocker-revoke: ${unwritten} ${unwritten === 1 ? 'line' : 'lines'} of --json output not written: ` +
          'standard output was no longer read after the signal\n',
      );
    io.stderr.write(text);
  } else if (failed || !(await stdout.end(text))) {
    io.stderr.write(text);
  }
  if (summary.total === 0 && !stopping.interrupted && !stopping.failure)
    io.stderr.write(`warning: no tokens in the input (${parts.describe()})\n`);
  if (stopping.interrupted) return EXIT.interrupted;
  return stopping.failure || summary.failed > 0 ? EXIT.failed : EXIT.ok;
}

/** The progress bar: the total is known for arguments, counted in the background for a regular file. */
function startProgress(source: TokenSource, io: CliIo): Progress {
  const total = source.kind === 'arguments' ? source.tokens.length : undefined;
  const progress = createProgress(io.stderr, total, {
    term: io.env.TERM,
    inputOnTerminal: source.kind !== 'arguments' && source.isTTY,
  });
  if (progress.active && source.kind === 'file' && source.regular) {
    countTokens(source.path).then(
      (count) => progress.setTotal(count),
      () => {}, // no total then: the bar shows what is done
    );
  }
  return progress;
}
