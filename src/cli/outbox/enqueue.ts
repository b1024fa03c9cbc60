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
  let uncertain = 0; // tokens of the failing batch that may be queued: see enqueueRetrying
  const code = await withOutbox(
    { store: flags.viaOutbox },
    io,
    { client: false, create: true },
    async (outbox) => {
      let batch: { accessToken?: string; refreshToken?: string }[] = [];
      const flush = async () => {
        queued += (await enqueueRetrying(outbox, batch, () => (uncertain = batch.length))).length;
        [batch, uncertain] = [[], 0];
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
        io.stderr.write(
          stoppedLines(error, queued, uncertain, secretsRedactor(secretsOf(io.env, [flags.viaOutbox]))),
        );
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
function stoppedLines(
  error: unknown,
  queued: number,
  uncertain: number,
  redact: (text: string) => string,
): string {
  const maybe = uncertain
    ? `; the next ${uncertain} may be too (a connection was lost before the database answered)`
    : '';
  return (
    `digilocker-revoke: stopped: ${redact(error instanceof Error ? error.message : String(error))}\n` +
    `The first ${queued} tokens of the input are queued${maybe}; the rest are not. Queueing a token again ` +
    'is harmless (revoked twice, it is already invalid the second time).\n'
  );
}

/**
 * enqueueBatch, sent again after 1 s and 2 s when the database failed it (EnqueueFailedError: a
 * terminated backend, a restart): a batch is committed all or none, and a token queued twice is only
 * revoked twice. `onUncertain` hears of an attempt that may have committed (`committed: 'unknown'`).
 */
async function enqueueRetrying(
  outbox: RevocationOutbox,
  batch: Parameters<RevocationOutbox['enqueueBatch']>[0],
  onUncertain: () => void,
) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await outbox.enqueueBatch(batch);
    } catch (error) {
      if (error instanceof EnqueueFailedError && error.committed === 'unknown') onUncertain();
      const waitMs = RETRY_WAITS_MS[attempt];
      if (!(error instanceof EnqueueFailedError) || waitMs === undefined) throw error;
      await delay(waitMs);
    }
  }
}

const RETRY_WAITS_MS = [1_000, 2_000];
