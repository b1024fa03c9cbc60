import { safeEventSink } from '../events';
import { ignore } from '../ignore';

/** The SHA-256 fingerprints (first 12 hex characters, `tokenFingerprint`) of a job's tokens. */
export interface JobFingerprints {
  refreshToken?: string;
  accessToken?: string;
}

/** What an event says about one job: its id, fingerprints and `ref` (when given), never a token. */
interface JobEventBase {
  jobId: string;
  fingerprints: JobFingerprints;
  /** The `ref` given to `enqueue` or `enqueueBatch`, when one was. */
  ref?: string;
}

/**
 * An event of the outbox, for logs and metrics. No event carries a token, a key or a secret.
 * - `queued`: a job was committed (`enqueue` resolved); with `enqueue`'s `db`, written in the caller's
 *   transaction, which may still roll back.
 * - `attempt`: a worker is sending the job's revocation (`attempt` counts from 1).
 * - `revoked`: the job ended: every token revoked, or already invalid; nothing of it remains stored.
 * - `retry_scheduled`: the attempt failed (`code`); pg-boss runs the job again after its backoff. Code
 *   `unknown_key`: this instance lacks the job's key (a rolling key rotation); it was given back unsent.
 * - `expired`: the job's `expiresAt` passed before it could be revoked; it ended without a request.
 * - `dead`: DigiLocker refused the request in a way a retry cannot fix (`code`); the job waits for
 *   `retryDead()` or `purgeDead()`, still encrypted.
 * - `paused`: this instance paused every instance on the queue: `invalid_client` (until the credentials
 *   change or `resume()`) or `rate_limited` (for `delayMs`, DigiLocker's Retry-After, bounded).
 * - `error`: the store failed (e.g. a lost connection); the workers keep trying.
 */
export type OutboxEvent =
  | ({ type: 'queued'; expiresAt: string } & JobEventBase)
  | ({ type: 'attempt'; attempt: number } & JobEventBase)
  | ({
      type: 'revoked';
      attempt: number;
      outcome: 'revoked' | 'already_invalid';
      /** False when a token is reported revoked because an earlier, lost attempt probably revoked it. */
      confirmed: boolean;
    } & JobEventBase)
  | ({ type: 'retry_scheduled'; attempt: number; code: string } & JobEventBase)
  | ({ type: 'expired' } & JobEventBase)
  | ({ type: 'dead'; attempt: number; code: string } & JobEventBase)
  | { type: 'paused'; reason: 'invalid_client' | 'rate_limited'; delayMs?: number }
  | { type: 'error'; message: string };

/** Emits one event of the outbox; a faulty listener never reaches it (a logger must not stop the queue). */
export type Emit = (event: OutboxEvent) => void;

/**
 * `onEvent` wrapped by the core's {@link safeEventSink} (an exception it throws and a promise it
 * returns that rejects are both swallowed), or a sink that does nothing when there is no listener.
 */
export function safeEmitter(onEvent: ((event: OutboxEvent) => unknown) | undefined): Emit {
  return safeEventSink(onEvent) ?? ignore;
}

/** The part of an event that names a job: its id, fingerprints and `ref` (when it has one). */
export function aboutJob(
  jobId: string,
  job: { fingerprints: JobFingerprints; ref?: string | undefined },
): JobEventBase {
  return job.ref === undefined
    ? { jobId, fingerprints: job.fingerprints }
    : { jobId, fingerprints: job.fingerprints, ref: job.ref };
}
