import type { OutboxStats, RevocationOutbox } from '../../outbox';
import { EXIT } from '../exit-codes';
import type { CliIo } from '../io';
import { hasCredentials } from './open-outbox';
import { printJson, printResult } from './print-result';

/**
 * `outbox status`: the counts of jobs by state, and the pause in effect on the queue, whatever
 * credentials it holds; for refused credentials, whether they are those of this environment.
 */
export async function printStats(
  outbox: RevocationOutbox,
  flags: { json?: boolean },
  io: CliIo,
): Promise<number> {
  const stats = await outbox.stats();
  const printed = flags.json
    ? await printJson(io, { stats })
    : await printResult(io, formatStats(stats, hasCredentials(io.env)));
  return printed ? EXIT.ok : EXIT.failed;
}

function formatStats(stats: OutboxStats, withCredentials: boolean): string {
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
  const whose =
    pause.reason !== 'invalid_client'
      ? ''
      : !withCredentials
        ? ' (only for the credentials DigiLocker refused: a drain with others is not paused)'
        : pause.holdsThisInstance
          ? ' (the credentials in this environment)'
          : ' (other credentials than those in this environment, which a drain would use)';
  return `${lines}${'paused:'.padEnd(19)}${pause.reason}${until}${whose}\n`;
}
