import type { RevocationErrorCode } from './errors';

/**
 * What `onEvent` receives: plain objects, one per step of a call. `fingerprint` (the first 12 hex
 * characters of the token's SHA-256) lets logs be correlated; the token itself is never included.
 */
export type RevocationEvent =
  | { type: 'request'; attempt: number; method: 'POST'; url: string; fingerprint: string }
  | { type: 'response'; attempt: number; status: number; durationMs: number; fingerprint: string }
  | { type: 'retry'; attempt: number; delayMs: number; reason: RevocationErrorCode; fingerprint: string }
  | { type: 'error'; attempt: number; code: RevocationErrorCode; fingerprint: string };

/** A user's `onEvent`, wrapped so that an exception it throws never breaks a call. */
export function safeEventSink(onEvent: ((event: RevocationEvent) => void) | undefined) {
  if (!onEvent) return undefined;
  return (event: RevocationEvent): void => {
    try {
      onEvent(event);
    } catch {
      // An observer's failure must not turn a revocation into a failure.
    }
  };
}
