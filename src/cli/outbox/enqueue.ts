import type { TokenTypeHint } from '../../index';
import { readSignOutTokens } from '../../sign-out-tokens';
import { EXIT } from '../exit-codes';
import type { CliIo } from '../io';
import { openTokenSource, readTokens } from '../token-input';
import { jsonLine } from './json-line';
import { withOutbox } from './open-outbox';

/** `revoke --via-outbox`: queues every token of the input (in batches) for the workers of any machine. */
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
        queued += (await outbox.enqueueBatch(batch)).length;
        batch = [];
      };
      let readFailure: string | undefined;
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
