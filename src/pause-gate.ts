import type { Clock } from './clock';

/**
 * A pause shared by the workers of one `revokeMany`: when one request is rate-limited (429), every
 * worker waits until the server's Retry-After has passed instead of each hammering the server. It arms
 * no timer: each call waits on it only as far as its own time budget allows (see `call.ts`).
 */
export class PauseGate {
  #until = 0;

  /** Asks every worker to wait `ms` from now (a longer pause already asked for wins). */
  pauseFor(ms: number, clock: Clock): void {
    this.#until = Math.max(this.#until, clock.now() + ms);
  }

  /** Milliseconds left of the pause in force, 0 when none. */
  remaining(clock: Clock): number {
    return Math.max(0, this.#until - clock.now());
  }
}
