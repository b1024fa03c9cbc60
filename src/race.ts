import { LIMITS } from './defaults';
import { onAbort } from './on-abort';

/** How {@link raceWithDeadline} bounds one piece of work: a caller's signal, a deadline, or both. */
type RaceBounds = {
  /** The caller's signal: when it aborts, the race rejects at once with its reason. */
  signal?: AbortSignal | undefined;
} & (
  | {
      /** Milliseconds before the work is abandoned; none when undefined. Clamped to a timer's range. */
      timeoutMs: number | undefined;
      /** The error the race rejects with when `timeoutMs` passes: each caller names its own. */
      onTimeout: () => unknown;
    }
  | { timeoutMs?: undefined; onTimeout?: undefined }
);

/**
 * Runs `work(signal)` and settles as it does, unless `timeoutMs` passes first or the caller's `signal`
 * aborts first (rejecting with its reason). Either way the signal handed to `work` aborts, so that a
 * well-behaved fetch closes its socket. When `timeoutMs` passes, the signal aborts with `onTimeout()`
 * and the work has one turn of the event loop to reject on its own, with an error that may say more
 * (a fetch that knows its request was never written says so, with the timeout as the cause); after
 * that turn the race rejects with `onTimeout()` itself, so it holds where a fetch implementation
 * loses its signal (nodejs/node#55428). The work's own later rejection is always handled.
 *
 * @example
 * const response = await raceWithDeadline((signal) => fetch(url, { signal }), {
 *   timeoutMs: 5000,
 *   signal: callerSignal,
 *   onTimeout: () => new Error('timed out'),
 * });
 */
export function raceWithDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  bounds: RaceBounds,
): Promise<T> {
  const { timeoutMs, signal, onTimeout } = bounds;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopListening: (() => void) | undefined;
    const cleanUp = () => {
      if (timer !== undefined) clearTimeout(timer);
      stopListening?.();
    };
    const stop = (reason: unknown) => {
      cleanUp();
      controller.abort(reason);
      reject(reason);
    };
    if (timeoutMs !== undefined && onTimeout) {
      timer = setTimeout(() => {
        const reason = onTimeout();
        controller.abort(reason);
        timer = setTimeout(() => stop(reason), 0); // the work's turn to reject with its own error
      }, clampTimer(timeoutMs));
    }
    if (signal) stopListening = onAbort(signal, () => stop(signal.reason));
    let running: Promise<T>;
    try {
      running = work(controller.signal);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        cleanUp();
        resolve(value);
      },
      (error: unknown) => {
        cleanUp();
        reject(error);
      },
    );
  });
}

/** A delay a timer can be armed with: at least 1 ms, at most 2^31 - 1 ms. */
export function clampTimer(ms: number): number {
  return Math.min(Math.max(1, Math.ceil(ms)), LIMITS.maxTimerMs);
}
