/**
 * What an operator does to the queue as a whole, which needs no key (an outbox opened without
 * `encryptionKeys` does it: see the option), and the one refusal of what does need one.
 */
import type { WhileOpen } from './calls-in-flight';
import type { OutboxKey } from './crypto';
import { OutboxStateError } from './errors';
import { deleteDeadJobs, retryDeadJobs } from './jobs';
import type { RevocationOutbox } from './open';
import type { ClusterPause } from './pause';
import type { Queue } from './queue';
import { readStats } from './stats';

/** Read the queue, retry or delete dead jobs, end a pause: each run {@link WhileOpen}. */
export function queueOperations(
  queue: Queue,
  pause: ClusterPause,
  whileOpen: WhileOpen,
  nudge: () => void,
): Pick<RevocationOutbox, 'stats' | 'retryDead' | 'purgeDead' | 'resume'> {
  return {
    stats: () => whileOpen(() => readStats(queue, pause)),
    retryDead: () =>
      whileOpen(async () => {
        const count = await retryDeadJobs(queue);
        nudge();
        return count;
      }),
    purgeDead: () => whileOpen(() => deleteDeadJobs(queue)),
    resume: () => whileOpen(() => pause.resume()),
  };
}

/** What each call that needs a key does with it, for the refusal's message. */
const NEEDS_KEYS = {
  enqueue: 'queue sign-outs (their tokens are encrypted)',
  enqueueBatch: 'queue sign-outs (their tokens are encrypted)',
  start: 'start workers (they decrypt the jobs)',
  drain: 'start workers (they decrypt the jobs)',
} as const;

/**
 * The key that seals new jobs, for the call `name`: the first of `keys`.
 * @throws {OutboxStateError} `no_keys` when the outbox was opened without keys, naming the option
 *   left out and what still works; thrown before the call sends any statement.
 */
export function sealingKey(keys: readonly OutboxKey[], name: keyof typeof NEEDS_KEYS): OutboxKey {
  const [key] = keys;
  if (key) return key;
  throw new OutboxStateError(
    'no_keys',
    `${name}: this outbox was opened without encryptionKeys (for administration only: stats, resume, ` +
      `retryDead, purgeDead, jobsByKey, purgeKey); give openRevocationOutbox encryptionKeys to ${NEEDS_KEYS[name]}`,
  );
}
