import { type Command, Option } from 'commander';
import { DEFAULTS, LIMITS } from '../index';
import { OUTBOX_DEFAULTS } from '../outbox';
import { addDeploymentOptions, refuseBaseUrlWithEnv } from './deployment-options';
import { EXIT } from './exit-codes';
import { integerFrom } from './integer-option';
import type { CliIo } from './io';
import { drainCommand } from './outbox/drain';
import type { OutboxFlags } from './outbox/flags';
import { registerOutboxKeysCommand } from './outbox/keys';
import { type OpenMode, withOutbox } from './outbox/open-outbox';
import { printResult } from './outbox/print-result';
import { printStats } from './outbox/status';

export { enqueueCommand } from './outbox/enqueue';
export type { OutboxFlags } from './outbox/flags';

const OUTBOX_ENVIRONMENT = `
Environment:
  DIGILOCKER_OUTBOX_KEYS    256-bit keys (base64 or hex), comma-separated: the first encrypts, all decrypt
                            (needed by drain and revoke --via-outbox; the other commands decrypt nothing)
  DIGILOCKER_OUTBOX_STORE   the store, when --store is not given (keeps a password off the command line)
  DIGILOCKER_OUTBOX_SCHEMA  the PostgreSQL schema of the queue, when --schema is not given (default digilocker_outbox)
  DIGILOCKER_CLIENT_ID, DIGILOCKER_CLIENT_SECRET, DIGILOCKER_ACCESS_TOKEN   as for 'revoke' (drain only)

Exit codes: 0 done, 1 jobs ended dead or expired during a drain, 2 usage or configuration error
(a missing key, a wrong key, a store held by another process, refused credentials), 130 interrupted.`;

/** The commands below work an existing queue (they never create a store) and decrypt nothing. */
const EXISTING_QUEUE: OpenMode = { client: false, create: false, keys: false };

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
    .action(run((flags) => withOutbox(flags, io, EXISTING_QUEUE, (box) => printStats(box, flags, io))));
  withClientOptions(
    command('drain', 'Work the queue until it is empty (retries included), then print a summary.'),
  )
    .option('--json', 'print the summary as one JSON line')
    .action(async (flags: OutboxFlags, drain: Command) => {
      refuseBaseUrlWithEnv(flags, drain);
      setExitCode(await drainCommand(flags, io));
    });
  command('retry-dead', 'Put every dead job back in the queue.').action(
    run((flags) =>
      withOutbox(flags, io, EXISTING_QUEUE, async (box) =>
        report(io, `queued again: ${await box.retryDead()}`),
      ),
    ),
  );
  command('purge', 'Delete every dead job, and its encrypted tokens with it.').action(
    run((flags) =>
      withOutbox(flags, io, EXISTING_QUEUE, async (box) => report(io, `deleted: ${await box.purgeDead()}`)),
    ),
  );
  command(
    'resume',
    'End the pause of every instance on the queue (after a 429, or refused credentials).',
  ).action(
    run((flags) =>
      withOutbox(flags, io, EXISTING_QUEUE, async (box) =>
        report(io, (await box.resume()) ? 'resumed' : 'no pause was in effect'),
      ),
    ),
  );
  registerOutboxKeysCommand(outbox, io, setExitCode);
}

/** The options of the client that `drain` revokes with, as `revoke` takes them. */
function withClientOptions(command: Command): Command {
  return addDeploymentOptions(command)
    .addOption(
      new Option('--concurrency <n>', 'jobs at once (1-256)')
        .argParser(integerFrom(1, 256))
        .default(OUTBOX_DEFAULTS.concurrency),
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'time limit of one attempt')
        .argParser(integerFrom(1, LIMITS.maxTimerMs))
        .default(DEFAULTS.timeoutMs),
    );
}

/** Prints what an operator's command did; exit 1 when that line was lost (the command's work is done). */
async function report(io: CliIo, line: string): Promise<number> {
  return (await printResult(io, `${line}\n`)) ? EXIT.ok : EXIT.failed;
}
