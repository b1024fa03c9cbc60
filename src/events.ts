import type { RevocationErrorCode } from './errors';
import { ignore } from './ignore';

/**
 * What `onEvent` receives: plain objects, one per step of a call. `fingerprint` (the first 12 hex
 * characters of the token's SHA-256) lets logs be correlated; the token itself is never included.
 */
export type RevocationEvent =
  | { type: 'request'; attempt: number; method: 'POST'; url: string; fingerprint: string }
  | { type: 'response'; attempt: number; status: number; durationMs: number; fingerprint: string }
  | {
      type: 'retry';
      attempt: number;
      delayMs: number;
      reason: RevocationErrorCode;
      /** Whether an attempt so far may have revoked the token without saying so (the error's `mayHaveRevoked`). */
      mayHaveRevoked: boolean;
      fingerprint: string;
    }
  | { type: 'error'; attempt: number; code: RevocationErrorCode; fingerprint: string };

/** Emits one event; undefined when nobody listens, so that the hot path builds no event at all. */
export type EventSink<E = RevocationEvent> = ((event: E) => void) | undefined;

/**
 * A user's `onEvent`, wrapped so that it never breaks a call or the host: an exception it throws and a
 * promise it returns that rejects are both swallowed (an observer's failure is not a revocation's).
 * The one wrapper of an event sink in the package: the outbox's `onEvent` can use it too.
 */
export function safeEventSink<E = RevocationEvent>(
  onEvent: ((event: E) => unknown) | undefined,
): EventSink<E> {
  if (!onEvent) return undefined;
  return (event: E): void => {
    try {
      const returned = onEvent(event);
      if (isThenable(returned)) returned.then(undefined, ignore);
    } catch {
      // Swallowed: see above.
    }
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
