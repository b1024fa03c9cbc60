import {
  KeyMismatchError,
  type OutboxEvent,
  type OutboxStats,
  PausedForCredentialsError,
} from '../../outbox';
import { EXIT, RefusedError } from '../exit-codes';
import type { CliIo } from '../io';
import { createProgress, type Progress } from '../progress';
import { secretsOf, secretsRedactor } from '../redaction';
import { traced } from '../telemetry';
import type { OutboxFlags } from './flags';
import { withOutbox } from './open-outbox';
import { keyMismatchInCliWords } from './outbox-keys';
import { printJson, printResult } from './print-result';

/**
 * `outbox drain`: works until the queue is empty, with a progress bar and a summary of this run. What
 * keeps it waiting is said on stderr as it happens: a pause (a 429's Retry-After, for every instance),
 * and the first retry of each error code (the summary counts them all). A first signal lets the jobs in
 * flight finish; a second one quits at once (their jobs go back to the queue: see docs/outbox.md).
 */
export async function drainCommand(flags: OutboxFlags, io: CliIo): Promise<number> {
  const startedAt = performance.now();
  const progress = createProgress(io.stderr, undefined, { term: io.env.TERM });
  const { run, retriesByCode, say, onEvent } = drainTally(progress, startedAt);
  const controller = new AbortController();
  const stopListening = io.onInterrupt(() => {
    if (controller.signal.aborted) io.exit(EXIT.interrupted);
    say('interrupted; the jobs in flight finish (interrupt again to quit at once)');
    controller.abort(new Error('interrupted'));
  });
  try {
    return await traced('outbox drain', () =>
      withOutbox(
        flags,
        io,
        { client: true, create: false, keys: true },
        async (outbox) => {
          let interrupted = false;
          let refused: PausedForCredentialsError | KeyMismatchError | undefined;
          try {
            await outbox.drain({ signal: controller.signal });
          } catch (error) {
            if (error instanceof PausedForCredentialsError || error instanceof KeyMismatchError)
              refused = error;
            else if (!controller.signal.aborted) throw error;
            else interrupted = true;
          } finally {
            progress.stop();
          }
          const summary = {
            ...run,
            retriesByCode,
            durationMs: Math.round(performance.now() - startedAt),
            interrupted,
            queue: await outbox.stats(),
          };
          if (refused) {
            // Exit 2 as well: with --json, the one line on stdout every drain prints, saying why.
            if (flags.json) await printJson(io, { summary, error: errorOf(refused, io, flags) });
            throw new RefusedError(refusalMessage(refused));
          }
          const written = flags.json
            ? await printJson(io, { summary })
            : await printResult(io, formatDrainSummary(summary));
          if (interrupted) return EXIT.interrupted;
          return run.dead + run.expired > 0 || !written ? EXIT.failed : EXIT.ok;
        },
        onEvent,
      ),
    );
  } finally {
    stopListening();
  }
}

/** This run's counts, and the events that move them or are said on stderr. */
function drainTally(progress: Progress, startedAt: number) {
  const run = { revoked: 0, alreadyInvalid: 0, expired: 0, dead: 0, retries: 0 };
  const retriesByCode: Record<string, number> = {};
  const say = (line: string) => progress.say(`digilocker-revoke: ${line}`);
  const onEvent = (event: OutboxEvent) => {
    if (event.type === 'paused' && event.reason === 'rate_limited')
      say(`DigiLocker rate-limited the queue: every instance waits ${seconds(event.delayMs ?? 0)}`);
    if (event.type === 'retry_scheduled') {
      if (!retriesByCode[event.code]) say(`a job failed with ${event.code}; it will be retried`);
      retriesByCode[event.code] = (retriesByCode[event.code] ?? 0) + 1;
    }
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
  return { run, retriesByCode, say, onEvent };
}

/** Why the drain stopped, for its JSON line: the outbox's code, and the message stderr says, redacted. */
function errorOf(error: PausedForCredentialsError | KeyMismatchError, io: CliIo, flags: OutboxFlags) {
  const message = refusalMessage(error);
  return { code: error.code, message: secretsRedactor(secretsOf(io.env, [flags.store]))(message) };
}

/**
 * The refusal in the CLI's words: a key mismatch names DIGILOCKER_OUTBOX_KEYS, not `encryptionKeys`;
 * refused credentials name the variables and the command that end the pause, not `resume()` and
 * `credentialsId` (the CLI's credentialsId is a fingerprint of those variables: see open-outbox.ts).
 */
function refusalMessage(error: PausedForCredentialsError | KeyMismatchError): string {
  return error instanceof KeyMismatchError ? keyMismatchInCliWords(error) : CREDENTIALS_REFUSED;
}

const CREDENTIALS_REFUSED =
  'DigiLocker refused the client credentials (invalid_client); the queue is paused, on every machine, ' +
  'for these credentials: run the drain again with the right DIGILOCKER_CLIENT_ID and ' +
  'DIGILOCKER_CLIENT_SECRET (or DIGILOCKER_ACCESS_TOKEN, with --auth bearer), or, once the credentials ' +
  'are fixed where the queue is worked, end the pause with: digilocker-revoke outbox resume';

/** `delayMs` in whole seconds, for a person. */
function seconds(delayMs: number): string {
  return `${Math.ceil(delayMs / 1000)} s`;
}

function formatDrainSummary(summary: {
  revoked: number;
  alreadyInvalid: number;
  expired: number;
  dead: number;
  retries: number;
  retriesByCode: Record<string, number>;
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
    `retries scheduled: ${summary.retries}${formatCounts(summary.retriesByCode)}`,
    `duration:          ${(summary.durationMs / 1000).toFixed(1)} s`,
    `left in the queue: ${summary.queue.queued + summary.queue.retrying + summary.queue.running} (dead: ${summary.queue.dead})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** ` (network_error: 3, server_error: 1)`, or nothing when there are none. */
function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length ? ` (${entries.map(([code, n]) => `${code}: ${n}`).join(', ')})` : '';
}
