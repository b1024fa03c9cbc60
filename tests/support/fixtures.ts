// What many test files share: the sandbox base URL and the spec's path (both from src), the error a
// promise rejects with, and a clock that makes backoff instant.
import { type Clock, ENVIRONMENTS, REVOKE_PATH } from '../../src';

/** The default base URL (the sandbox's), which nock intercepts. */
export const BASE: string = ENVIRONMENTS.sandbox;

/** The revoke operation's path, as the spec and the client know it. */
export const PATH: string = REVOKE_PATH;

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, got a resolution');
}

/** A clock whose time stands still and whose sleeps end at once (recording each delay asked for). */
export function instantClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => 0,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/**
 * A virtual clock: sleeping advances time at once and records the delay asked for; `advance` moves
 * time by hand. It starts at `start` (far from 0 in tests where a sum and a difference of times must
 * differ).
 */
export function fakeClock(start = 0): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
  };
}
