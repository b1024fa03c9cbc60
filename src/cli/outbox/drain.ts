import {
  KeyMismatchError,
  type OutboxEvent,
  type OutboxStats,
  PausedForCredentialsError,
} from '../../outbox';
import { EXIT, UsageError } from '../exit-codes';
import type { CliIo } from '../io';
import { createProgress } from '../progress';
import type { OutboxFlags } from './flags';
import { jsonLine } from './json-line';
import { withOutbox } from './open-outbox';

/** `outbox drain`: works until the queue is empty, with a progress bar and a summary of this run. */
export async function drainCommand(flags: OutboxFlags, io: CliIo): Promise<number> {
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
      { client: true, create: false },
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
