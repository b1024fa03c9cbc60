/**
 * A fault the mock applies to a revoke request instead of (or on top of) its normal answer:
 * - `status`: answers that status (with an OAuth error body unless `body` is given) without revoking;
 * - `delay`: waits `ms`, then answers normally;
 * - `drop`: destroys the connection once the request was received, after revoking when `revoke` is true;
 * - `malformed`: answers `status` (default 500) with a body that is not valid JSON, without revoking.
 */
export type MockFault =
  | { type: 'status'; status: number; retryAfter?: string | number; body?: string }
  | { type: 'delay'; ms: number }
  | { type: 'drop'; revoke: boolean }
  | { type: 'malformed'; status?: number };

/** Faults waiting for the next requests, in order; each entry is used `times` times. */
export class FaultQueue {
  readonly #queue: { fault: MockFault; left: number }[] = [];

  /** Queues `fault` for the next `times` requests after those already queued. */
  add(fault: MockFault, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    this.#queue.push({ fault, left: times });
  }

  /** The fault for the request that just arrived, if any. */
  next(): MockFault | undefined {
    const head = this.#queue[0];
    if (!head) return undefined;
    head.left--;
    if (head.left === 0) this.#queue.shift();
    return head.fault;
  }

  /** Forgets every queued fault. */
  clear(): void {
    this.#queue.length = 0;
  }
}
