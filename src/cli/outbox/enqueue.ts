import { setTimeout as delay } from 'node:timers/promises';
import type { TokenTypeHint } from '../../index';
import { EnqueueFailedError, type RevocationOutbox } from '../../outbox';
import { readSignOutTokens } from '../../sign-out-tokens';
import { EXIT } from '../exit-codes';
import type { CliIo } from '../io';
import { secretsOf, secretsRedactor } from '../redaction';
import { Stopping } from '../stopping';
import { openTokenSource, readTokens, type TokenLines } from '../token-input';
import { withOutbox } from './open-outbox';
import { printJson, printResult } from './print-result';

/**
 * `revoke --via-outbox`: queues every token of the input (in batches) for the workers of any machine.
 * A batch the database failed is sent again ({@link enqueueRetrying}); one that still fails stops the
 * run with a line saying how many tokens are queued, and the summary (exit 1). A signal (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT) stops reading input as in `revoke` ({@link Stopping}): the batch being
 * committed finishes, a wait to send one again ends at once, and the run says how many tokens are
 * queued, prints the summary and exits 130; a second signal quits at once.
 */
export async function enqueueCommand(
  tokens: string[],
  flags: { viaOutbox: string; file?: string; hint?: TokenTypeHint; json?: boolean },
  io: CliIo,
): Promise<number> {
  const startedAt = performance.now();
  const source = await openTokenSource(tokens, flags.file, io.stdin);
  const run: EnqueueRun = { queued: 0, invalid: 0, uncertain: 0 };
  const input = readTokens(source, (reason) => {
    run.readFailure = reason;
  });
  const stopping = new Stopping(() => input.stop());
  // Before the store opens (creating one takes a while): a signal then stops the run as one later does.
  const stopListening = io.onInterrupt(() => {
    if (stopping.interrupted) io.exit(EXIT.interrupted); // the batch being committed is cut short
    stopping.stop();
    // Without a new line, a terminal's echoed ^C still holds the line.
    io.stderr.write(`${io.stderr.isTTY ? '\n' : ''}${run.opened ? INTERRUPTED : INTERRUPTED_OPENING}`);
  });
  try {
    const key = flags.hint === 'access_token' ? 'accessToken' : 'refreshToken';
    const code = await withOutbox(
      { store: flags.viaOutbox },
      io,
      { client: false, create: true, keys: true },
      (outbox) => {
        run.opened = true;
        return queueAll(outbox, input, stopping, run, key, io);
      },
    );
    const redact = secretsRedactor(secretsOf(io.env, [flags.viaOutbox]));
    const failure = run.failure === undefined ? undefined : redact(messageOf(run.failure));
    if (run.readFailure !== undefined) io.stderr.write(`digilocker-revoke: ${run.readFailure}\n`);
    if (failure !== undefined || run.readFailure !== undefined || stopping.interrupted)
      io.stderr.write(stoppedLines(run, failure));
    const summary = {
      queued: run.queued,
      invalid: run.invalid,
      durationMs: Math.round(performance.now() - startedAt),
      interrupted: stopping.interrupted,
      ...(failure === undefined && run.readFailure === undefined
        ? {}
        : { stopped: failure ?? run.readFailure }),
    };
    const written = await printSummary(summary, flags.json, io);
    if (stopping.interrupted) return EXIT.interrupted;
    return written ? code : EXIT.failed;
  } finally {
    stopListening();
  }
}

/** How many skipped lines are said one by one on stderr; the rest are only counted. */
const SKIPS_SAID = 20;

const INTERRUPTED =
  'digilocker-revoke: interrupted; finishing the batch being queued (interrupt again to quit at once)\n';
/** While the store opens (a new one is created, a lost connection is retried), no batch exists yet. */
const INTERRUPTED_OPENING =
  'digilocker-revoke: interrupted; nothing is queued yet: stopping once the store is open (interrupt ' +
  'again to quit at once)\n';

/** What a run counts, and why it stopped early: a batch that could not be queued, or a failed read. */
interface EnqueueRun {
  /** True once the store is open and the input is being queued. */
  opened?: boolean;
  queued: number;
  invalid: number;
  /** True once every token of the input is queued: it ended, neither cut short nor unreadable. */
  complete?: boolean;
  /** Tokens of the failing batch that may be queued: see enqueueRetrying. */
  uncertain: number;
  failure?: unknown;
  readFailure?: string;
}

/**
 * Queues the input in batches of 500 until its end, a signal, or a batch that cannot be queued; returns
 * the exit code. After a signal, the tokens read but not yet sent are not: no new batch starts.
 */
async function queueAll(
  outbox: RevocationOutbox,
  input: TokenLines,
  stopping: Stopping,
  run: EnqueueRun,
  key: 'accessToken' | 'refreshToken',
  io: CliIo,
): Promise<number> {
  const skip = (reason: string) => {
    if (++run.invalid <= SKIPS_SAID) io.stderr.write(`digilocker-revoke: skipped: ${reason}\n`);
    else if (run.invalid === SKIPS_SAID + 1)
      io.stderr.write('digilocker-revoke: further skipped lines are only counted\n');
  };
  let tokensRead = 0;
  let batch: { accessToken?: string; refreshToken?: string }[] = [];
  const flush = async () => {
    const onUncertain = () => (run.uncertain = batch.length);
    run.queued += (await enqueueRetrying(outbox, batch, stopping.signal, onUncertain)).length;
    [batch, run.uncertain] = [[], 0];
  };
  try {
    for await (const item of input) {
      if (!('token' in item)) {
        skip(item.invalid);
        continue;
      }
      tokensRead++;
      const tokensOfLine = { [key]: item.token };
      try {
        readSignOutTokens(tokensOfLine);
      } catch (error) {
        // The client's message names the field, never the token.
        skip(`token ${tokensRead} of the input: ${messageOf(error)}`);
        continue;
      }
      batch.push(tokensOfLine);
      if (batch.length === 500) await flush();
    }
    if (stopping.interrupted) return EXIT.interrupted;
    await flush();
    run.complete = run.readFailure === undefined;
  } catch (error) {
    run.failure = error;
    return EXIT.failed;
  }
  return run.invalid > 0 || run.readFailure !== undefined ? EXIT.failed : EXIT.ok;
}

/** The summary: on standard output, as one JSON line with `--json`; false when that line was lost. */
async function printSummary(
  summary: { queued: number; invalid: number; durationMs: number },
  json: boolean | undefined,
  io: CliIo,
): Promise<boolean> {
  if (json) return printJson(io, { summary });
  return printResult(
    io,
    `queued:            ${summary.queued}\ninvalid (skipped): ${summary.invalid}\nduration:          ${(summary.durationMs / 1000).toFixed(1)} s\n`,
  );
}

/**
 * What the run says when it stopped early (a batch that could not be queued, a signal): why, unless it
 * was a signal only (said as it came), and how much of the input is queued.
 */
function stoppedLines(
  { queued, invalid, uncertain, complete }: EnqueueRun,
  stopped: string | undefined,
): string {
  if (complete)
    return `All ${queued} tokens of the input are queued${invalid ? `; its ${invalid} skipped lines are not` : ''}.\n`;
  const why = stopped === undefined ? '' : `digilocker-revoke: stopped: ${stopped}\n`;
  const maybe = uncertain
    ? `; the next ${uncertain} may be too (a connection was lost before the database answered)`
    : '';
  return (
    `${why}The first ${queued} tokens of the input are queued${maybe}; the rest are not. Queueing a token ` +
    'again is harmless (revoked twice, it is already invalid the second time).\n'
  );
}

/**
 * enqueueBatch, sent again after 1 s and 2 s when the database failed it (EnqueueFailedError: a
 * terminated backend, a restart): a batch is committed all or none, and a token queued twice is only
 * revoked twice. `onUncertain` hears of an attempt that may have committed (`committed: 'unknown'`).
 * Once `signal` is aborted (a signal stopped the run), a failed batch is not sent again: its error is
 * thrown, at once, a wait under way included.
 */
async function enqueueRetrying(
  outbox: RevocationOutbox,
  batch: Parameters<RevocationOutbox['enqueueBatch']>[0],
  signal: AbortSignal,
  onUncertain: () => void,
) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await outbox.enqueueBatch(batch);
    } catch (error) {
      if (error instanceof EnqueueFailedError && error.committed === 'unknown') onUncertain();
      const waitMs = RETRY_WAITS_MS[attempt];
      if (!(error instanceof EnqueueFailedError) || waitMs === undefined) throw error;
      const waited = await delay(waitMs, true, { signal }).catch(() => false);
      if (!waited) throw error;
    }
  }
}

const RETRY_WAITS_MS = [1_000, 2_000];

function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}
