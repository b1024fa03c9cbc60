import type { RevocationEvent } from '../index';
import { mayHaveRevokedBy } from '../retry-policy';

/** The abort reason of the requests a stopping run cuts short: they were waiting, not on the wire. */
export class RunStopped extends Error {
  override name = 'RunStopped';
  constructor() {
    super('not finished: the run stopped while the token waited for its next request; a rerun sends it');
  }
}

/**
 * Why a run stops before the end of its input, other than a signal: `refused` when DigiLocker or the
 * proxy refused the credentials (every later request would meet the same answer), or a failed write or
 * read.
 */
export type StopCause = 'refused' | 'output' | 'journal' | 'input';

/**
 * How a run stops early. On `stop()` (a signal, refused credentials, a write that failed) it stops
 * reading input and lets the requests on the wire finish; requests that are only waiting (a backoff,
 * a rate-limit pause, or not yet sent) are aborted as soon as none is on the wire, so that a long
 * Retry-After cannot hold the run. What is on the wire is followed through the client's events. A
 * read that failed is noted only: the input has ended, and the tokens read before it finish as usual.
 */
export class Stopping {
  /** The signal given to revokeMany (and to the waits of `revoke --via-outbox` before a batch is sent again). */
  readonly signal: AbortSignal;
  readonly #abort = new AbortController();
  readonly #onStop: () => void;
  /** Calls on the wire or answered but not yet decided, per token fingerprint. */
  readonly #busy = new Map<string, number>();
  /** Fingerprints of the calls whose request is on the wire, unanswered so far. */
  readonly #unanswered = new Set<string>();
  /** Fingerprints of the calls with an attempt that may have revoked without saying so (see `callEnded`). */
  readonly #mayHaveReached = new Set<string>();
  #busyTotal = 0;
  #stopped = false;
  #interrupted = false;
  #failure: { cause: StopCause; reason: string } | undefined;

  /** `onStop` runs once, at the first stop: it stops reading input. */
  constructor(onStop: () => void) {
    this.signal = this.#abort.signal;
    this.#onStop = onStop;
  }

  /** True once a signal stopped the run. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** The first cause other than a signal that stopped the run, with its one-line reason. */
  get failure(): { cause: StopCause; reason: string } | undefined {
    return this.#failure;
  }

  /** Stops the run for a signal (no argument) or a cause; true the first time the run stops. */
  stop(cause?: StopCause, reason?: string): boolean {
    if (cause === undefined) this.#interrupted = true;
    else this.#failure ??= { cause, reason: reason ?? cause };
    if (this.#stopped || cause === 'input') return false;
    this.#stopped = true;
    this.#onStop();
    this.#abortWhenIdle();
    return true;
  }

  /** Follows a client event: a request leaves, is answered, or a call decides to wait before its next attempt. */
  observe(event: RevocationEvent): void {
    const { fingerprint } = event;
    if (event.type === 'request') {
      this.#add(fingerprint, 1);
      this.#unanswered.add(fingerprint);
    } else if (event.type === 'response') {
      this.#unanswered.delete(fingerprint);
      if (mayHaveRevokedBy(event.status)) this.#mayHaveReached.add(fingerprint);
    } else if (event.type === 'retry') {
      // The call knows whether its attempt reached DigiLocker: a refused connection or a proxy's
      // refusal never did, though its request event came first.
      this.#unanswered.delete(fingerprint);
      if (event.mayHaveRevoked) this.#mayHaveReached.add(fingerprint);
      this.#add(fingerprint, -1);
      this.#abortWhenIdle();
    }
  }

  /**
   * A call ended with this outcome: it is no longer on the wire (unless it was aborted waiting).
   * Returns whether an attempt of it may have revoked the token without saying so (it left, then
   * failed or timed out, or it was answered 500, 502 or 504): what a call the run stopped may have
   * revoked. (Two copies of one token in flight
   * share a fingerprint: the second to end may then be told false, but its report counts the other
   * copy already.)
   */
  callEnded(fingerprint: string, error: unknown): boolean {
    if (!(error instanceof RunStopped)) this.#add(fingerprint, -1);
    this.#abortWhenIdle();
    const unanswered = this.#unanswered.delete(fingerprint);
    return this.#mayHaveReached.delete(fingerprint) || unanswered;
  }

  #add(fingerprint: string, delta: number): void {
    const count = (this.#busy.get(fingerprint) ?? 0) + delta;
    if (count < 0) return;
    this.#busyTotal += delta;
    if (count === 0) this.#busy.delete(fingerprint);
    else this.#busy.set(fingerprint, count);
  }

  #abortWhenIdle(): void {
    if (this.#stopped && this.#busyTotal === 0 && !this.#abort.signal.aborted)
      this.#abort.abort(new RunStopped());
  }
}
