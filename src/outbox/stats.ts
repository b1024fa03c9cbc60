import { countJobs } from './jobs';
import type { ClusterPause, OutboxPause } from './pause';
import type { Queue } from './queue';

/** How many jobs are in each state (ended ones for as long as pg-boss keeps them: see enqueue.ts). */
export interface OutboxStats {
  /** Waiting for their first attempt. */
  queued: number;
  /**
   * Fetched by an instance's workers (pg-boss's `active` state): being sent, being recorded, or, up to
   * one batch per instance, waiting for a request slot (see workers.ts).
   */
  running: number;
  /** Waiting for another attempt after a failed one. */
  retrying: number;
  /** Ended: revoked. */
  revoked: number;
  /** Ended: DigiLocker said every token was already invalid. */
  alreadyInvalid: number;
  /** Ended: `expiresAt` passed before a revocation succeeded. */
  expired: number;
  /** Refused in a way a retry cannot fix; waiting for `retryDead()` or `purgeDead()`. */
  dead: number;
  /**
   * The pause in effect on this queue, whoever it holds (`holdsThisInstance` says whether this
   * instance), else `null`.
   */
  pause: OutboxPause | null;
}

/** Counts the queue's jobs by state and outcome, and reads the pause. */
export async function readStats(queue: Queue, pause: ClusterPause): Promise<OutboxStats> {
  const stats: OutboxStats = {
    queued: 0,
    running: 0,
    retrying: 0,
    revoked: 0,
    alreadyInvalid: 0,
    expired: 0,
    dead: 0,
    pause: (await pause.inEffect()) ?? null,
  };
  for (const { state, outcome, n } of await countJobs(queue)) {
    if (state === 'created') stats.queued += n;
    else if (state === 'active') stats.running += n;
    else if (state === 'retry') stats.retrying += n;
    else if (state === 'failed') stats.dead += n;
    else if (state === 'completed') {
      if (outcome === 'revoked') stats.revoked += n;
      else if (outcome === 'already_invalid') stats.alreadyInvalid += n;
      else if (outcome === 'expired') stats.expired += n;
    }
  }
  return stats;
}
