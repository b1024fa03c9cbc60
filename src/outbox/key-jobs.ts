/**
 * The way out of a lost key: the jobs of each key id counted, and the jobs of a key that no instance
 * holds deleted without it. Through pg-boss's public API only (findJobs, deleteJob).
 */
import { describeType, rangeError, typeError } from '../validate';
import type { WhileOpen } from './calls-in-flight';
import type { OutboxKey } from './crypto';
import { affected, jobsIn } from './jobs';
import { decodePayload } from './payload';
import type { Queue } from './queue';

/** The jobs sealed with one key, by state. */
export interface KeyJobCount {
  /** The key's public id (16 hex characters; see `encryptionKeys`), never the key. */
  keyId: string;
  /**
   * Whether this instance's `encryptionKeys` holds the key: false for a lost key's jobs; `null` when
   * the outbox was opened without `encryptionKeys`, as it cannot tell (the key may be in use).
   */
  held: boolean | null;
  /** Waiting for an attempt (first or next). */
  waiting: number;
  /** Being worked on (or given back) by an instance now. */
  running: number;
  /** Dead: waiting for `retryDead()` or `purgeDead()`. */
  dead: number;
}

/** What an outbox offers an operator about the keys its jobs were sealed with (a lost key). */
export interface KeyJobs {
  /**
   * Counts the jobs that still hold tokens (waiting, running or dead) by the id of the key that sealed
   * them, for each key of this instance (even without jobs) and each key a job needs; `held` says
   * whether this instance holds it: jobs under a key nobody holds can never be sent (see `purgeKey`).
   */
  jobsByKey(): Promise<KeyJobCount[]>;
  /**
   * Deletes the waiting and dead jobs sealed with the key `keyId`, unsent, with their ciphertext (a
   * lost key's: their tokens can no longer be read by anyone); resolves with how many. Jobs running at
   * that moment are left (run it again once they are given back). Opened without `encryptionKeys`, it
   * takes any key id: make sure no instance holds that key.
   * @throws {InputTypeError} `keyId` is not a string (`code: 'invalid_option'`, `input: 'keyId'`).
   * @throws {InputRangeError} `keyId` is not 16 hex characters, or it is one of this instance's keys
   *   (its jobs can be revoked: delete a key's jobs only when no instance holds it); same `code`.
   * @throws {OutboxStateError} the outbox is closed (`code: 'closed'`).
   */
  purgeKey(keyId: string): Promise<number>;
}

/** The key operations on `queue` for an instance holding `keys`, each run {@link WhileOpen}. */
export function keyJobsOf(queue: Queue, keys: readonly OutboxKey[], whileOpen: WhileOpen): KeyJobs {
  const held = new Set(keys.map((key) => key.id));
  // Without keys (administration only), whether another instance holds a key is not known.
  const isHeld = (keyId: string) => (keys.length === 0 ? null : held.has(keyId));
  return {
    jobsByKey: () => whileOpen(() => jobsByKey(queue, held, isHeld)),
    purgeKey: (keyId) => whileOpen(() => purgeKey(queue, held, keyId)),
  };
}

async function jobsByKey(
  queue: Queue,
  held: ReadonlySet<string>,
  isHeld: (keyId: string) => boolean | null,
): Promise<KeyJobCount[]> {
  const counts = new Map<string, KeyJobCount>();
  for (const keyId of held) counts.set(keyId, { keyId, held: true, waiting: 0, running: 0, dead: 0 });
  for (const job of await jobsIn(queue, ['created', 'retry', 'active', 'failed'])) {
    const decoded = decodePayload(job.data);
    if (decoded?.state !== 'pending') continue;
    const keyId = decoded.sealed.k;
    const count = counts.get(keyId) ?? { keyId, held: isHeld(keyId), waiting: 0, running: 0, dead: 0 };
    if (job.state === 'active') count.running++;
    else if (job.state === 'failed') count.dead++;
    else count.waiting++;
    counts.set(keyId, count);
  }
  return [...counts.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
}

async function purgeKey(queue: Queue, held: ReadonlySet<string>, keyId: unknown): Promise<number> {
  if (typeof keyId !== 'string') throw typeError('keyId', `must be a string, got ${describeType(keyId)}`);
  if (!/^[0-9a-f]{16}$/.test(keyId))
    throw rangeError('keyId', 'must be a key id, 16 lowercase hex characters (see jobsByKey)');
  if (held.has(keyId))
    throw rangeError(
      'keyId',
      `${keyId} is one of this instance's encryptionKeys: its jobs can be revoked, so they are kept`,
    );
  const ids = (await jobsIn(queue, ['created', 'retry', 'failed']))
    .filter((job) => {
      const decoded = decodePayload(job.data);
      return decoded?.state === 'pending' && decoded.sealed.k === keyId;
    })
    .map((job) => job.id);
  if (ids.length === 0) return 0;
  return affected(await queue.boss.deleteJob(queue.name, ids));
}
