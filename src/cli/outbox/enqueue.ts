import { setTimeout as delay } from 'node:timers/promises';
import type { TokenTypeHint } from '../../index';
import { EnqueueFailedError, type RevocationOutbox } from '../../outbox';
import { readSignOutTokens } from '../../sign-out-tokens';
import { EXIT } from '../exit-codes';
import type { CliIo } from '../io';
import { secretsOf, secretsRedactor } from '../redaction';
import { openTokenSource, readTokens } from '../token-input';
import { jsonLine } from './json-line';
import { withOutbox } from './open-outbox';

/**
 * `revoke --via-outbox`: queues every token of the input (in batches) for the workers of any machine.
 * A batch the database failed is sent again ({@link enqueueRetrying}); one that still fails stops the
 * run with a line saying how many tokens are queued, and the summary.
 */
export async function enqueueCommand(
  tokens: string[],
  flags: { viaOutbox: string; file?: string; hint?: TokenTypeHint; json?: boolean },
  io: CliIo,
): Promise<number> {
  const startedAt = performance.now();
  const source = await openTokenSource(tokens, flags.file, io.stdin);
  const key = flags.hint === 'access_token' ? 'accessToken' : 'refreshToken';
  let queued = 0;
  let invalid = 0;
  const code = await withOutbox(
    { store: flags.viaOutbox },
    io,
    { client: false, create: true },
    async (outbox) => {
      let batch: { accessToken?: string; refreshToken?: string }[] = [];
      const flush = async () => {
        queued += (await enqueueRetrying(outbox, batch)).length;
        batch = [];
      };
      let readFailure: string | undefined;
      try {
        for await (const item of readTokens(source, (reason) => {
          readFailure = reason;
        })) {
          if (!('token' in item)) {
            invalid++;
            continue;
          }
          const tokensOfLine = { [key]: item.token };
          try {
            readSignOutTokens(tokensOfLine);
          } catch {
            invalid++;
            continue;
          }
          batch.push(tokensOfLine);
          if (batch.length === 500) await flush();
        }
        await flush();
      } catch (error) {
        io.stderr.write(stoppedLines(error, queued, secretsRedactor(secretsOf(io.env, [flags.viaOutbox]))));
        return EXIT.failed;
      }
      if (readFailure !== undefined) io.stderr.write(`digilocker-revoke: ${readFailure}\n`);
      return invalid > 0 || readFailure !== undefined ? EXIT.failed : EXIT.ok;
    },
  );
  const summary = { queued, invalid, durationMs: Math.round(performance.now() - startedAt) };
  if (flags.json) await jsonLine(io, JSON.stringify({ summary }));
  else
    io.stdout.write(
      `queued:            ${queued}\ninvalid (skipped): ${invalid}\nduration:          ${(summary.durationMs / 1000).toFixed(1)} s\n`,
    );
  return code;
}

/** What the run says when a batch could not be queued: why, and how much of the input is. */
function stoppedLines(error: unknown, queued: number, redact: (text: string) => string): string {
  return (
    `digilocker-revoke: stopped: ${redact(error instanceof Error ? error.message : String(error))}\n` +
    `The first ${queued} tokens of the input are queued; the rest are not. Queueing a token again is ` +
    'harmless (revoked twice, it is already invalid the second time).\n'
  );
}

/**
 * enqueueBatch, sent again after 1 s and 2 s when the database failed it (EnqueueFailedError: a
 * terminated backend, a restart): a batch is committed all or none, and a token queued twice is only
 * revoked twice.
 */
async function enqueueRetrying(
  outbox: RevocationOutbox,
  batch: Parameters<RevocationOutbox['enqueueBatch']>[0],
) {
  for (const waitMs of RETRY_WAITS_MS) {
    try {
      return await outbox.enqueueBatch(batch);
    } catch (error) {
      if (!(error instanceof EnqueueFailedError)) throw error;
      await delay(waitMs);
    }
  }
  return outbox.enqueueBatch(batch);
}

const RETRY_WAITS_MS = [1_000, 2_000];
