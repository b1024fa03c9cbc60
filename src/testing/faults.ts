import { InputRangeError, InputTypeError } from '../input-errors';

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
    if (!Number.isInteger(times) || times < 1)
      throw new InputRangeError('times must be a positive integer', {
        code: 'invalid_option',
        input: 'times',
      });
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

/** Throws an InputTypeError or InputRangeError unless the mock can apply `fault`. */
function assertFault(fault: MockFault): void {
  if (fault === null || typeof fault !== 'object')
    throw new InputTypeError('inject(fault): fault must be an object', {
      code: 'invalid_option',
      input: 'fault',
    });
  switch (fault.type) {
    case 'status':
      assertStatus(fault.status);
      if (fault.retryAfter !== undefined && !HEADER_VALUE.test(String(fault.retryAfter)))
        throw new InputRangeError('inject(fault): retryAfter must be a header value (no line break)', {
          code: 'invalid_option',
          input: 'fault.retryAfter',
        });
      if (fault.body !== undefined && typeof fault.body !== 'string')
        throw new InputTypeError('inject(fault): body must be a string', {
          code: 'invalid_option',
          input: 'fault.body',
        });
      return;
    case 'delay':
      if (!Number.isInteger(fault.ms) || fault.ms < 0 || fault.ms > 2_147_483_647)
        throw new InputRangeError('inject(fault): ms must be an integer from 0 to 2^31 - 1', {
          code: 'invalid_option',
          input: 'fault.ms',
        });
      return;
    case 'drop':
      if (typeof fault.revoke !== 'boolean')
        throw new InputTypeError('inject(fault): revoke must be a boolean', {
          code: 'invalid_option',
          input: 'fault.revoke',
        });
      return;
    case 'malformed':
      if (fault.status !== undefined) assertStatus(fault.status);
      return;
    default:
      throw new InputTypeError(
        `inject(fault): unknown fault type ${JSON.stringify(String((fault as { type?: unknown }).type)).slice(0, 40)}`,
        { code: 'invalid_option', input: 'fault.type' },
      );
  }
}

function assertStatus(status: unknown): void {
  if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599)
    throw new InputRangeError('inject(fault): status must be an integer from 200 to 599', {
      code: 'invalid_option',
      input: 'fault.status',
    });
}
