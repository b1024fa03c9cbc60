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
    listeners = new SignalListeners(signal);
    LISTENERS.set(signal, listeners);
  }
  return listeners.add(listener);
}

/** The listeners of each signal listened to, for as long as the signal lives. */
const LISTENERS = new WeakMap<AbortSignal, SignalListeners>();

/** One registration: a link of a doubly linked list, unlinked and cleared when it ends. */
interface Registration {
  listener: (() => void) | undefined;
  previous: Registration | undefined;
  next: Registration | undefined;
}

/** The listeners of one signal, in the order they were added, behind one `abort` listener. */
class SignalListeners {
  #first: Registration | undefined;
  #last: Registration | undefined;
  readonly #signal: AbortSignal;
  readonly #onAbort = () => this.#abort();

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  add(listener: () => void): () => void {
    const registration: Registration = { listener, previous: this.#last, next: undefined };
    if (this.#last === undefined) {
      this.#first = registration;
      this.#signal.addEventListener('abort', this.#onAbort);
    } else this.#last.next = registration;
    this.#last = registration;
    return () => this.#remove(registration);
  }

  #remove(registration: Registration): void {
    if (registration.listener === undefined) return; // removed already, or called
    const { previous, next } = registration;
    if (previous === undefined) this.#first = next;
    else previous.next = next;
    if (next === undefined) this.#last = previous;
    else next.previous = previous;
    // Cleared, so that a registration promoted to the old generation holds nothing young.
    registration.listener = registration.previous = registration.next = undefined;
    if (this.#first === undefined) this.#signal.removeEventListener('abort', this.#onAbort);
  }

  /**
   * Calls each listener registered when the signal aborted, once and in order, as an EventTarget
   * dispatches: one stopped meanwhile by an earlier one is not called, and none added meanwhile is.
   */
  #abort(): void {
    const registrations: Registration[] = [];
    for (let registration = this.#first; registration; registration = registration.next) {
      registrations.push(registration);
    }
    for (const registration of registrations) {
      const { listener } = registration;
      if (listener === undefined) continue;
      this.#remove(registration);
      try {
        listener();
      } catch (error) {
        // Reported as an EventTarget reports a listener's exception, without stopping the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
