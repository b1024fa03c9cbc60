/**
 * Calls `listener` once when `signal` aborts, and returns the function that stops listening (safe to
 * call more than once). Check `signal.aborted` first: like `addEventListener`, this does not call a
 * listener for an abort that already happened.
 *
 * Every abort listener of the package goes through here, so that a signal shared by many requests (a
 * batch's, or an application's shutdown signal) holds one `abort` listener of ours however many
 * requests listen, and a request that ends leaves nothing behind. Plain listeners would not do:
 * Node's EventTarget warns past 10 listeners on one signal (MaxListenersExceededWarning, which a
 * library must not cause), and a removed listener stays linked to its neighbours, keeping later
 * requests' objects alive on a long-lived signal.
 *
 * @example
 * if (signal.aborted) return Promise.reject(signal.reason);
 * const stopListening = onAbort(signal, () => reject(signal.reason));
 * // ... once settled:
 * stopListening();
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  let listeners = LISTENERS.get(signal);
  if (listeners === undefined) {
    const entries = new Set<() => void>();
    const onSignalAbort = () => {
      signal.removeEventListener('abort', onSignalAbort);
      dispatch(entries);
    };
    listeners = { entries, onSignalAbort };
    LISTENERS.set(signal, listeners);
  }
  const { entries, onSignalAbort } = listeners;
  // A registration of its own, even for a listener added twice.
  const entry = () => listener();
  if (entries.size === 0) signal.addEventListener('abort', onSignalAbort);
  entries.add(entry);
  return () => {
    if (entries.delete(entry) && entries.size === 0) signal.removeEventListener('abort', onSignalAbort);
  };
}

/** The listeners of one signal (in the order they were added, as a Set keeps them) behind one `abort` listener. */
interface Listeners {
  readonly entries: Set<() => void>;
  readonly onSignalAbort: () => void;
}

/** The listeners of each signal listened to, for as long as the signal lives. */
const LISTENERS = new WeakMap<AbortSignal, Listeners>();

/**
 * Calls each listener registered when the signal aborted, once and in order, as an EventTarget
 * dispatches: one removed meanwhile by an earlier one is not called, and none added meanwhile is.
 */
function dispatch(entries: Set<() => void>): void {
  for (const entry of [...entries]) {
    if (!entries.delete(entry)) continue;
    try {
      entry();
    } catch (error) {
      // Reported as an EventTarget reports a listener's exception, without stopping the others.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
