// How a stopping run tells which of its stopped tokens may have been revoked: only those with an
// attempt that may have reached DigiLocker, as the client's events say, never a token whose every
// request was refused before it left (a refused connection, a proxy's refusal).
import { RunStopped, Stopping } from '../../src/cli/stopping';

const FINGERPRINT = '0123456789ab';

/** A run stopped while this token waited to be retried after its first attempt. */
function stoppedAfterOneRetry(mayHaveRevoked: boolean): boolean {
  const stopping = new Stopping(() => {});
  stopping.observe({ type: 'request', attempt: 1, method: 'POST', url: 'u', fingerprint: FINGERPRINT });
  stopping.observe({
    type: 'retry',
    attempt: 1,
    delayMs: 1000,
    reason: 'network_error',
    mayHaveRevoked,
    fingerprint: FINGERPRINT,
  });
  stopping.stop();
  expect(stopping.signal.aborted).toBe(true); // nothing on the wire: the wait is cut short
  return stopping.callEnded(FINGERPRINT, new RunStopped());
}

it('a token whose attempt never reached the server is stopped as not revoked', () => {
  expect(stoppedAfterOneRetry(false)).toBe(false);
});

it('a token whose attempt may have reached the server is stopped as maybe revoked', () => {
  expect(stoppedAfterOneRetry(true)).toBe(true);
});

it('a token answered 500 before the stop may have been revoked', () => {
  const stopping = new Stopping(() => {});
  stopping.observe({ type: 'request', attempt: 1, method: 'POST', url: 'u', fingerprint: FINGERPRINT });
  stopping.observe({ type: 'response', attempt: 1, status: 500, durationMs: 5, fingerprint: FINGERPRINT });
  stopping.stop();
  expect(stopping.callEnded(FINGERPRINT, new RunStopped())).toBe(true);
});
