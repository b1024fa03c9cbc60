import { createHash } from 'node:crypto';
import type { Environment, TokenInput, TokenTypeHint } from '../index';
import { createNodeTransport } from '../node';
import { clientFromOptions } from './client-from-options';
import { EXIT } from './exit-codes';
import { type CliIo, writeLine } from './io';
import { Journal } from './journal';
import { enqueueCommand } from './outbox-command';
import { reportOutcome } from './outcome';
import { createProgress, type Progress } from './progress';
import { formatSummary, Tally } from './summary';
import { countTokens, openTokenSource, readTokens, type TokenSource } from './token-input';

/** The options of `digilocker-revoke revoke`, as commander parses them. */
export interface RevokeFlags {
  file?: string;
  hint?: TokenTypeHint;
  env?: Environment;
  baseUrl?: string;
  encoding?: 'form' | 'json';
  auth?: 'basic' | 'post' | 'bearer';
  concurrency: number;
  timeoutMs?: number;
  treatInvalidAsRevoked?: boolean;
  journal?: string;
  json?: boolean;
  /** Queue the tokens in this outbox store instead of revoking them (see `outbox-command.ts`). */
  viaOutbox?: string;
}

const ARGUMENTS_WARNING =
  'warning: tokens given as arguments are visible to other processes; pass them with --file or on standard input\n';

/**
 * Revokes every token of the input with bounded concurrency, journals and reports each outcome, and
 * returns the exit code. Never prints or stores a token. On SIGINT or SIGTERM it stops reading input,
 * lets the requests in flight finish (their outcomes are journaled), prints the summary and returns 130.
 */
export async function revokeCommand(tokens: string[], flags: RevokeFlags, io: CliIo): Promise<number> {
  if (tokens.length > 0) io.stderr.write(ARGUMENTS_WARNING);
  if (flags.viaOutbox !== undefined)
    return enqueueCommand(tokens, { ...flags, viaOutbox: flags.viaOutbox }, io);
  const transport = createNodeTransport({ maxSockets: flags.concurrency });
  let journal: Journal | undefined;
  let stopListening = () => {};
  try {
    const client = clientFromOptions(flags, io.env, transport);
    const source = await openTokenSource(tokens, flags.file, io.stdin);
    journal = flags.journal ? await Journal.open(flags.journal) : undefined;
    const input = readTokens(source);
    const progress = startProgress(source, io.stderr);
    const tally = new Tally();
    const showProgress = () =>
      progress.update({ done: tally.done + tally.skipped, failed: tally.failed, rate: tally.rate() });

    let signals = 0;
    // Listening until the very end: a signal while the summary is written must not kill the process.
    stopListening = io.onInterrupt(() => {
      signals++;
      if (signals === 1) {
        // Stop pulling input; what is in flight finishes and is journaled (nothing is aborted).
        input.stop();
        io.stderr.write(
          '\ndigilocker-revoke: interrupted; finishing the requests in flight (interrupt again to quit at once)\n',
        );
      } else {
        // Every outcome so far is in the journal already (written synchronously).
        io.exit(EXIT.interrupted);
      }
    });

    try {
      const skip = () => {
        tally.skipped++;
        showProgress();
      };
      const outcomes = client.revokeMany(withHashes(input, journal, skip), {
        concurrency: flags.concurrency,
        ...(flags.hint ? { tokenTypeHint: flags.hint } : {}),
      });
      for await (const outcome of outcomes) {
        const { position, sha256 } = parseItemId(outcome.id);
        const report = reportOutcome(outcome);
        journal?.record({ sha256, ...report });
        tally.add(report);
        showProgress();
        if (flags.json)
          await writeLine(
            io.stdout,
            JSON.stringify({ index: position, fingerprint: outcome.fingerprint, ...report }),
          );
      }
    } finally {
      progress.stop();
    }

    const interrupted = signals > 0;
    const summary = tally.summary(interrupted);
    const text = formatSummary(summary, tally.firstMessages());
    if (flags.json) {
      await writeLine(io.stdout, JSON.stringify({ summary }));
      io.stderr.write(text);
    } else {
      io.stdout.write(text);
    }
    if (interrupted) return EXIT.interrupted;
    return summary.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    stopListening();
    journal?.close();
    await transport.close();
  }
}

/** The progress bar: the total is known for arguments, counted in the background for a file. */
function startProgress(source: TokenSource, stderr: NodeJS.WriteStream): Progress {
  const progress = createProgress(stderr, source.kind === 'arguments' ? source.tokens.length : undefined);
  if (source.kind === 'file' && stderr.isTTY) {
    countTokens(source.path).then(
      (total) => progress.setTotal(total),
      () => {}, // no total then: the bar shows what is done
    );
  }
  return progress;
}

/**
 * Gives each token its position in the input and, with a journal, its SHA-256, both carried in `id` so
 * that an outcome can be reported and journaled without the token; skips the tokens the journal says
 * are finished. The hash is computed once per token, here.
 */
async function* withHashes(
  tokens: AsyncIterable<string>,
  journal: Journal | undefined,
  onSkipped: () => void,
): AsyncGenerator<TokenInput> {
  let position = 0;
  for await (const token of tokens) {
    const index = position++;
    if (!journal) {
      yield { token, id: String(index) };
      continue;
    }
    // The same hex as the core's sha256Hex, from node:crypto (native, the cheapest on Node), which
    // matters when a rerun skips a million journaled tokens.
    const sha256 = createHash('sha256').update(token).digest('hex');
    if (journal.isFinished(sha256)) {
      onSkipped();
      continue;
    }
    yield { token, id: `${index} ${sha256}` };
  }
}

function parseItemId(id: string | undefined): { position: number; sha256: string } {
  const [position = '', sha256 = ''] = (id ?? '').split(' ');
  return { position: Number(position), sha256 };
}
