/**
 * The contract between the attempt loop and a transport that bounds each request itself, such as
 * `createNodeTransport()`: such a fetch carries `fetch[OWN_DEADLINE] === true`, and the attempt loop
 * then hands each request its deadline in `init[OWN_DEADLINE]` instead of racing it with a timer and an
 * `AbortController` of its own (on Node 20 an AbortController per attempt costs about 5 µs and garbage,
 * a measurable share of a request over a fast transport). The caller's `signal`, when there is one,
 * still goes to the transport as `init.signal`. A 2xx status is the answer of a revocation: once one has
 * arrived, such a transport resolves with it even if the deadline passes, or the connection fails,
 * while its body is still being read (with what was read of it, the connection closed).
 */
export const OWN_DEADLINE: unique symbol = Symbol.for('digilocker-revocation.own-deadline');

/** What a transport that keeps its own deadline is handed with each request. */
export interface RequestDeadline {
  /** Milliseconds from the call of fetch until the request is abandoned and its connection closed. */
  timeoutMs: number;
  /** The reason fetch rejects with when `timeoutMs` passes. */
  onTimeout: () => unknown;
}

/** A fetch's init as the attempt loop hands it to such a transport. */
export type DeadlineInit = RequestInit & { [OWN_DEADLINE]?: RequestDeadline };

/** True when `fetch` bounds each request itself (see {@link OWN_DEADLINE}). */
export function keepsOwnDeadline(fetch: unknown): boolean {
  return typeof fetch === 'function' && (fetch as { [OWN_DEADLINE]?: unknown })[OWN_DEADLINE] === true;
}
