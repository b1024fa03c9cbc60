import { type Command, Option } from 'commander';
import type { KeyJobCount, RevocationOutbox } from '../../outbox';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import type { OutboxFlags } from './flags';
import { type OpenMode, withOutbox } from './open-outbox';
import { outboxKeysFrom } from './outbox-keys';
import { printJson, printResult } from './print-result';

/**
 * Both commands work an existing queue: no client, a mistyped --store creates nothing, and no key is
 * needed (a lost key's jobs are deleted without it).
 */
const EXISTING_STORE: OpenMode = { client: false, create: false, keys: false };

/**
 * Registers `outbox keys` (the jobs that hold tokens, by the id of the key that sealed them) and
 * `outbox purge-key <key-id> --yes` (deletes, unsent, the waiting and dead jobs of a key that no
 * instance holds any more): the way out of a lost key, without SQL.
 */
export function registerOutboxKeysCommand(
  outbox: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  const storeOptions = (command: Command) =>
    command
      .addOption(new Option('--store <dir-or-url>', 'the store: a directory (embedded) or a postgres:// URL'))
      .addOption(
        new Option('--schema <name>', 'the PostgreSQL schema of the queue (default digilocker_outbox)'),
      );
  storeOptions(
    outbox
      .command('keys')
      .description(
        'List the jobs that still hold tokens by the id of the key that sealed them, and whether ' +
          'DIGILOCKER_OUTBOX_KEYS holds that key (a job under a key nobody holds can never be sent).',
      ),
  )
    .option('--json', 'print the list as one JSON line')
    .action(async (flags: Partial<OutboxFlags>) =>
      setExitCode(await withOutbox(flags, io, EXISTING_STORE, (box) => listKeys(box, flags, io))),
    );
  storeOptions(
    outbox
      .command('purge-key <key-id>')
      .description(
        'Delete, unsent, the waiting and dead jobs sealed with a key that DIGILOCKER_OUTBOX_KEYS does not ' +
          'hold (a lost key): their tokens will never be revoked by the outbox. Needs --yes.',
      ),
  )
    .option('--yes', 'confirm: delete those jobs, whose tokens stay valid until they expire')
    .action(async (keyId: string, flags: Partial<OutboxFlags> & { yes?: boolean }) =>
      setExitCode(await withOutbox(flags, io, EXISTING_STORE, (box) => purgeKey(box, keyId, flags, io))),
    );
}

async function listKeys(outbox: RevocationOutbox, flags: { json?: boolean }, io: CliIo): Promise<number> {
  const keys = await outbox.jobsByKey();
  const text = formatKeys(keys);
  const printed = flags.json ? await printJson(io, { keys }) : await printResult(io, text);
  return printed ? EXIT.ok : EXIT.failed;
}

/** Whether DIGILOCKER_OUTBOX_KEYS holds keys: without them, the outbox cannot tell which are held. */
function keysGiven(io: CliIo): boolean {
  return outboxKeysFrom(io.env).length > 0;
}

/**
 * The table. Without DIGILOCKER_OUTBOX_KEYS whether a key is held is not known (the library says
 * `held: null`): no key is called lost, nor its purge suggested, as that key may be in use.
 */
function formatKeys(keys: readonly KeyJobCount[]): string {
  const known = keys.every((key) => key.held !== null);
  const header = `${'key id'.padEnd(18)}${'held'.padEnd(6)}${'waiting'.padStart(9)}${'running'.padStart(9)}${'dead'.padStart(9)}\n`;
  const held = (key: KeyJobCount) => (key.held === null ? '?' : key.held ? 'yes' : 'NO');
  const rows = keys.map(
    (key) =>
      `${key.keyId.padEnd(18)}${held(key).padEnd(6)}${String(key.waiting).padStart(9)}` +
      `${String(key.running).padStart(9)}${String(key.dead).padStart(9)}\n`,
  );
  const lost = known ? keys.filter((key) => !key.held) : [];
  const hint = !known
    ? `\nheld: not known, as DIGILOCKER_OUTBOX_KEYS is not set. Delete a key's jobs (outbox purge-key ` +
      '<key-id> --yes) only once no instance holds that key.\n'
    : lost.length === 0
      ? ''
      : `\nJobs under a key not held wait for an instance that holds it. If that key is lost:\n` +
        lost.map((key) => `  digilocker-revoke outbox purge-key ${key.keyId} --yes\n`).join('');
  return `${header}${rows.join('')}${hint}`;
}

async function purgeKey(
  outbox: RevocationOutbox,
  keyId: string,
  flags: { yes?: boolean },
  io: CliIo,
): Promise<number> {
  // The key id is not secret, but the CLI's usage errors hide arguments that look like tokens.
  if (!/^[0-9a-f]{16}$/.test(keyId))
    throw new UsageError('Give a key id, 16 hex characters, as outbox keys lists them');
  const count = (await outbox.jobsByKey()).find((key) => key.keyId === keyId);
  if (count?.held)
    throw new UsageError(
      'That key is in DIGILOCKER_OUTBOX_KEYS: its jobs can be revoked (outbox drain); nothing deleted',
    );
  if (!flags.yes) {
    const jobs = count ? count.waiting + count.dead : 0;
    const unchecked = keysGiven(io)
      ? ''
      : ' (DIGILOCKER_OUTBOX_KEYS is not set: whether an instance holds that key is not checked)';
    throw new UsageError(
      `This deletes ${jobs} job(s) sealed with that key, unsent (their tokens stay valid until they ` +
        `expire)${unchecked}; nothing deleted: run it again with --yes to confirm`,
    );
  }
  const deleted = await outbox.purgeKey(keyId);
  const running = count?.running ?? 0;
  const left = running > 0 ? `running (left; run purge-key again once given back): ${running}\n` : '';
  return (await printResult(io, `deleted: ${deleted}\n${left}`)) ? EXIT.ok : EXIT.failed;
}
