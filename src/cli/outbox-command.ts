import { createHash } from 'node:crypto';
import { type Command, Option } from 'commander';
import { DEFAULTS, type Environment, LIMITS, type TokenTypeHint } from '../index';
import {
  KeyMismatchError,
  MissingDependencyError,
  OUTBOX_DEFAULTS,
  type OutboxEvent,
  type OutboxStats,
  openRevocationOutbox,
  PausedForCredentialsError,
  type RevocationOutbox,
  StoreLockedError,
} from '../outbox';
import { assertSignOutTokens } from '../outbox/input';

import { describeConnectionString } from '../outbox/store';
import { clientFromOptions, fetchFromOptions } from './client-from-options';
import { EXIT, UsageError } from './exit-codes';
import { integerFrom } from './integer-option';
import type { CliIo } from './io';
import { registerOutboxKeysCommand } from './outbox-keys-command';
import { Output } from './output';
import { createProgress } from './progress';
import { openTokenSource, readTokens } from './token-input';

/** The options of `digilocker-revoke outbox <command>`. */
export interface OutboxFlags {
  store?: string;
  schema?: string;
  env?: Environment;
  baseUrl?: string;
  encoding?: 'form' | 'json';
  auth?: 'basic' | 'post' | 'bearer';
  timeoutMs?: number;
  concurrency: number;
  json?: boolean;
}

const OUTBOX_ENVIRONMENT = `
Environment:
  DIGILOCKER_OUTBOX_KEYS    256-bit keys (base64 or hex), comma-separated: the first encrypts, all decrypt
  DIGILOCKER_OUTBOX_STORE   the store, when --store is not given (keeps a password off the command line)
  DIGILOCKER_OUTBOX_SCHEMA  the PostgreSQL schema of the queue, when --schema is not given (default digilocker_outbox)
  DIGILOCKER_CLIENT_ID, DIGILOCKER_CLIENT_SECRET, DIGILOCKER_ACCESS_TOKEN   as for 'revoke' (drain only)

Exit codes: 0 done, 1 jobs ended dead or expired during a drain, 2 usage or configuration error
(a missing key, a wrong key, a store held by another process, refused credentials), 130 interrupted.`;

/** Registers `outbox status|drain|retry-dead|purge|resume` on the program. */
export function registerOutboxCommand(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  const outbox = program
    .command('outbox')
    .description('Inspect and work a durable revocation queue (the digilocker-revocation/outbox store).')
    .addHelpText('after', OUTBOX_ENVIRONMENT);
  const run = (action: (flags: OutboxFlags) => Promise<number>) => async (flags: OutboxFlags) =>
    setExitCode(await action(flags));
  const command = (name: string, description: string) =>
    outbox
      .command(name)
      .description(description)
      .addOption(new Option('--store <dir-or-url>', 'the store: a directory (embedded) or a postgres:// URL'))
      .addOption(
        new Option('--schema <name>', 'the PostgreSQL schema of the queue (default digilocker_outbox)'),
      );

  command('status', 'Print the counts of jobs by state, and the pause of the queue if one is in effect.')
    .option('--json', 'print the counts as one JSON line')
    .action(run((flags) => withOutbox(flags, io, false, (box) => printStats(box, flags, io))));
  command('drain', 'Work the queue until it is empty (retries included), then print a summary.')
    .addOption(
      new Option('--concurrency <n>', 'jobs at once (1-256)')
        .argParser(integerFrom(1, 256))
        .default(OUTBOX_DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--env <environment>', 'the DigiLocker deployment')
        .choices(['sandbox', 'production', 'legacy-production'])
        .default('sandbox'),
    )
    .option('--base-url <url>', 'base URL including /public, instead of --env')
    .addOption(new Option('--encoding <encoding>', 'request body').choices(['form', 'json']).default('form'))
    .addOption(
      new Option('--auth <method>', 'client authentication')
        .choices(['basic', 'post', 'bearer'])
        .default('basic'),
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'time limit of one attempt')
        .argParser(integerFrom(1, LIMITS.maxTimerMs))
        .default(DEFAULTS.timeoutMs),
    )
    .option('--json', 'print the summary as one JSON line')
    .action(run((flags) => drainCommand(flags, io)));
  command('retry-dead', 'Put every dead job back in the queue.').action(
    run((flags) =>
      withOutbox(flags, io, false, async (box) => report(io, `queued again: ${await box.retryDead()}`)),
    ),
  );
  command('purge', 'Delete every dead job, and its encrypted tokens with it.').action(
    run((flags) =>
      withOutbox(flags, io, false, async (box) => report(io, `deleted: ${await box.purgeDead()}`)),
    ),
  );
  command(
    'resume',
    'End the pause of every instance on the queue (after a 429, or refused credentials).',
  ).action(
    run((flags) =>
      withOutbox(flags, io, false, async (box) =>
        report(io, (await box.resume()) ? 'resumed' : 'no pause was in effect'),
      ),
    ),
  );
  registerOutboxKeysCommand(outbox, io, setExitCode);
}

function report(io: CliIo, line: string): number {
  io.stdout.write(`${line}\n`);
  return EXIT.ok;
}

/** Opens the outbox named by --store (or DIGILOCKER_OUTBOX_STORE), runs `action`, always closes it. */
async function withOutbox(
  flags: Partial<OutboxFlags>,
  io: CliIo,
  withClient: boolean,
  action: (outbox: RevocationOutbox) => Promise<number>,
  onEvent?: (event: OutboxEvent) => void,
): Promise<number> {
  // The environment's proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) apply, as they do to `revoke`.
  const transport = withClient ? fetchFromOptions(undefined, flags.concurrency ?? 8) : undefined;
  try {
    const client = transport ? clientFromOptions(flags, io.env, transport) : undefined;
    const outbox = await openFor(flags, io.env, client, onEvent);
    try {
      return await action(outbox);
    } finally {
      await outbox.close();
    }
  } finally {
    await transport?.close();
  }
}

/** Opens the outbox; every configuration problem becomes a UsageError whose message names no secret. */
export async function openFor(
  flags: Partial<OutboxFlags>,
  env: NodeJS.ProcessEnv,
  client: ReturnType<typeof clientFromOptions> | undefined,
  onEvent?: (event: OutboxEvent) => void,
): Promise<RevocationOutbox> {
  const where = flags.store ?? env.DIGILOCKER_OUTBOX_STORE;
  if (!where) throw new UsageError('Give --store DIR|URL, or set DIGILOCKER_OUTBOX_STORE');
  const keys = (env.DIGILOCKER_OUTBOX_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  if (keys.length === 0)
    throw new UsageError('Set DIGILOCKER_OUTBOX_KEYS (base64 or hex 256-bit keys, comma-separated)');
  const isUrl = /^postgres(ql)?:\/\//.test(where);
  const schema = flags.schema ?? env.DIGILOCKER_OUTBOX_SCHEMA;
  try {
    return await openRevocationOutbox({
      store: isUrl ? { connectionString: where } : { directory: where },
      encryptionKeys: keys,
      ...(schema ? { schema } : {}),
      ...(client ? { credentialsId: credentialsIdOf(env) } : {}),
      concurrency: flags.concurrency ?? 8,
      ...(client ? { client } : {}),
      ...(onEvent ? { onEvent } : {}),
    });
  } catch (error) {
    const known = [TypeError, RangeError, KeyMismatchError, StoreLockedError, MissingDependencyError];
    if (known.some((kind) => error instanceof kind)) throw new UsageError((error as Error).message);
    const location = isUrl ? describeConnectionString(where) : where;
    throw new UsageError(`Cannot open the store ${location}: ${(error as Error).message}`);
  }
}

/**
 * A fingerprint of the credentials in the environment (never the secret: 16 hex characters of a
 * SHA-256), so that a pause for refused credentials ends once they change.
 */
function credentialsIdOf(env: NodeJS.ProcessEnv): string {
  const credentials = [env.DIGILOCKER_CLIENT_ID, env.DIGILOCKER_CLIENT_SECRET, env.DIGILOCKER_ACCESS_TOKEN];
  return createHash('sha256').update(JSON.stringify(credentials)).digest('hex').slice(0, 16);
}

async function printStats(outbox: RevocationOutbox, flags: { json?: boolean }, io: CliIo): Promise<number> {
  const stats = await outbox.stats();
  if (flags.json) await jsonLine(io, JSON.stringify({ stats }));
  else io.stdout.write(formatStats(stats));
  return EXIT.ok;
}

function formatStats(stats: OutboxStats): string {
  const rows: [string, number][] = [
    ['queued', stats.queued],
    ['running', stats.running],
    ['retrying', stats.retrying],
    ['revoked', stats.revoked],
    ['already invalid', stats.alreadyInvalid],
    ['expired', stats.expired],
    ['dead', stats.dead],
  ];
  const lines = rows.map(([name, count]) => `${`${name}:`.padEnd(19)}${count}\n`).join('');
  const { pause } = stats;
  if (!pause) return lines;
  const until = pause.until ? ` until ${pause.until}` : ' until the credentials change or: outbox resume';
  return `${lines}${'paused:'.padEnd(19)}${pause.reason}${until}\n`;
}

/** `outbox drain`: works until the queue is empty, with a progress bar and a summary of this run. */
async function drainCommand(flags: OutboxFlags, io: CliIo): Promise<number> {
  const run = { revoked: 0, alreadyInvalid: 0, expired: 0, dead: 0, retries: 0 };
  const startedAt = performance.now();
  const progress = createProgress(io.stderr, undefined, { term: io.env.TERM });
  const onEvent = (event: OutboxEvent) => {
    if (event.type === 'revoked') run[event.outcome === 'revoked' ? 'revoked' : 'alreadyInvalid']++;
    else if (event.type === 'expired') run.expired++;
    else if (event.type === 'dead') run.dead++;
    else if (event.type === 'retry_scheduled') run.retries++;
    else return;
    const done = run.revoked + run.alreadyInvalid + run.expired + run.dead;
    progress.update({
      done,
      failed: run.dead + run.expired,
      rate: done / ((performance.now() - startedAt) / 1000),
    });
  };
  const controller = new AbortController();
  const stopListening = io.onInterrupt(() => controller.abort(new Error('interrupted')));
  try {
    return await withOutbox(
      flags,
      io,
      true,
      async (outbox) => {
        let interrupted = false;
        try {
          await outbox.drain({ signal: controller.signal });
        } catch (error) {
          if (error instanceof PausedForCredentialsError || error instanceof KeyMismatchError)
            throw new UsageError(error.message);
          if (!controller.signal.aborted) throw error;
          interrupted = true;
        } finally {
          progress.stop();
        }
        const summary = {
          ...run,
          durationMs: Math.round(performance.now() - startedAt),
          interrupted,
          queue: await outbox.stats(),
        };
        if (flags.json) await jsonLine(io, JSON.stringify({ summary }));
        else io.stdout.write(formatDrainSummary(summary));
        if (interrupted) return EXIT.interrupted;
        return run.dead + run.expired > 0 ? EXIT.failed : EXIT.ok;
      },
      onEvent,
    );
  } finally {
    stopListening();
  }
}

function formatDrainSummary(summary: {
  revoked: number;
  alreadyInvalid: number;
  expired: number;
  dead: number;
  retries: number;
  durationMs: number;
  interrupted: boolean;
  queue: OutboxStats;
}): string {
  const lines = [
    ...(summary.interrupted ? ['Interrupted: the jobs in flight finished; the rest wait in the queue.'] : []),
    `revoked:           ${summary.revoked}`,
    `already invalid:   ${summary.alreadyInvalid}`,
    `expired:           ${summary.expired}`,
    `dead:              ${summary.dead}`,
    `retries scheduled: ${summary.retries}`,
    `duration:          ${(summary.durationMs / 1000).toFixed(1)} s`,
    `left in the queue: ${summary.queue.queued + summary.queue.retrying + summary.queue.running} (dead: ${summary.queue.dead})`,
  ];
  return `${lines.join('\n')}\n`;
}

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
  const code = await withOutbox({ store: flags.viaOutbox }, io, false, async (outbox) => {
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
        assertSignOutTokens(tokensOfLine);
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
  });
  const summary = { queued, invalid, durationMs: Math.round(performance.now() - startedAt) };
  if (flags.json) await jsonLine(io, JSON.stringify({ summary }));
  else
    io.stdout.write(
      `queued:            ${queued}\ninvalid (skipped): ${invalid}\nduration:          ${(summary.durationMs / 1000).toFixed(1)} s\n`,
    );
  return code;
}

/** Writes one JSON line to standard output; a failed write is reported on stderr, never a crash. */
async function jsonLine(io: CliIo, text: string): Promise<void> {
  const output = new Output(io.stdout, (reason) => io.stderr.write(`digilocker-revoke: ${reason}\n`));
  await output.writeLine(text);
}
