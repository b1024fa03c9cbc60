import type { Clock } from './options';

/**
 * A pause shared by the workers of one `revokeMany`: when one request is rate-limited, every worker
 * waits until the server's Retry-After has passed instead of each hammering the server.
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

  /** Resolves when no pause is in force; rejects with `signal.reason` on abort. */
  async wait(clock: Clock, signal?: AbortSignal): Promise<void> {
    for (let left = this.#until - clock.now(); left > 0; left = this.#until - clock.now()) {
      await clock.sleep(left, signal);
    }
  }
}
