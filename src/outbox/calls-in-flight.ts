import { OutboxStateError } from './errors';

/**
 * Runs an operation of the outbox unless it is closed (then rejects with OutboxStateError `closed`);
 * close() waits for the operations it runs.
 */
export type WhileOpen = <T>(run: () => Promise<T>) => Promise<T>;

/**
 * The outbox's calls in flight, which close() waits for, so that none meets a store closed under it
 * (an enqueue waiting for a connection of a pool that close ended would never settle).
 */
export function callsInFlight(isClosed: () => boolean): {
  whileOpen: WhileOpen;
  settled: () => Promise<unknown>;
} {
  const inFlight = new Set<Promise<unknown>>();
  return {
    whileOpen(run) {
      if (isClosed()) return Promise.reject(closedError());
      const call = run();
      const forget = () => inFlight.delete(call);
      inFlight.add(call);
      call.then(forget, forget);
      return call;
    },
    settled: () => Promise.allSettled(inFlight),
  };
}

/** The refusal of a call to an outbox that is closed. */
export function closedError(): OutboxStateError {
  return new OutboxStateError('closed', 'the outbox is closed');
}
