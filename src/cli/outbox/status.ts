import type { OutboxStats, RevocationOutbox } from '../../outbox';
import { EXIT } from '../exit-codes';
import type { CliIo } from '../io';
import { jsonLine } from './json-line';

/** `outbox status`: the counts of jobs by state, and the pause in effect. */
export async function printStats(
  outbox: RevocationOutbox,
  flags: { json?: boolean },
  io: CliIo,
): Promise<number> {
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
