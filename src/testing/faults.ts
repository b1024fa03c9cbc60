import { LIMITS } from '../defaults';
import { integerInRange, rangeError, typeError } from '../validate';

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

  /**
   * Queues `fault` for the next `times` requests after those already queued. A fault the mock could not
   * apply is refused here, at once, rather than failing inside the server at the next request.
   */
  add(fault: MockFault, times: number): void {
    integerInRange('times', times, 1, Number.MAX_SAFE_INTEGER);
    assertFault(fault);
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

/** A header value Node sends: visible ASCII and spaces, no line break. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Throws an InputTypeError or InputRangeError (`invalid_option`) unless the mock can apply `fault`. */
function assertFault(fault: MockFault): void {
  if (fault === null || typeof fault !== 'object') throw typeError('fault', 'must be an object');
  switch (fault.type) {
    case 'status':
      assertStatus(fault.status);
      if (fault.retryAfter !== undefined && !HEADER_VALUE.test(String(fault.retryAfter)))
        throw rangeError('fault.retryAfter', 'must be a header value (no line break)');
      if (fault.body !== undefined && typeof fault.body !== 'string')
        throw typeError('fault.body', 'must be a string');
      return;
    case 'delay':
      integerInRange('fault.ms', fault.ms, 0, LIMITS.maxTimerMs);
      return;
    case 'drop':
      if (typeof fault.revoke !== 'boolean') throw typeError('fault.revoke', 'must be a boolean');
      return;
    case 'malformed':
      if (fault.status !== undefined) assertStatus(fault.status);
      return;
    default:
      throw typeError(
        'fault.type',
        `is unknown: ${JSON.stringify(String((fault as { type?: unknown }).type)).slice(0, 40)}`,
      );
  }
}

function assertStatus(status: unknown): void {
  integerInRange('fault.status', status, 200, 599);
}
