import { OutboxStateError } from './errors';

/**
 * Runs an operation of the outbox unless it is closed (then rejects with OutboxStateError `closed`).
 * Whether close() waits for it depends on which one runs it: see {@link callsInFlight}.
 */
export type WhileOpen = <T>(run: () => Promise<T>) => Promise<T>;

/**
 * The outbox's calls in flight, which close() waits for, so that none meets a store closed under it
 * (an enqueue waiting for a connection of a pool that close ended would never settle). `ifOpen` only
 * refuses a call once closed: for one on the caller's own connection (an enqueue given `db`), which
 * close() does not end and which may take as long as the caller's transaction.
 */
export function callsInFlight(isClosed: () => boolean): {
  whileOpen: WhileOpen;
  ifOpen: WhileOpen;
  settled: () => Promise<unknown>;
} {
  const inFlight = new Set<Promise<unknown>>();
  const ifOpen: WhileOpen = (run) => (isClosed() ? Promise.reject(closedError()) : run());
  return {
    whileOpen(run) {
      if (isClosed()) return Promise.reject(closedError());
      // Counted before it starts: a close() from inside the call (an event listener) waits for it too.
      const call = Promise.resolve().then(run);
      const forget = () => inFlight.delete(call);
      inFlight.add(call);
      call.then(forget, forget);
      return call;
    },
    ifOpen,
    settled: () => Promise.allSettled(inFlight),
  };
}

/** The refusal of a call to an outbox that is closed. */
export function closedError(): OutboxStateError {
  return new OutboxStateError('closed', 'the outbox is closed');
}
