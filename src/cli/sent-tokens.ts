/**
 * The tokens handed to the client in this run, each known by its key (see `token-digest.ts`; never the
 * token): how many copies of it were handed over (a token listed again), and whether a copy finished
 * (revoked or already invalid). One Map for both, as it is kept for every distinct token of the run;
 * a token forgotten keeps its key, so that the run still knows it was sent ({@link SentTokens.wasSent}).
 */
export class SentTokens {
  /** Per key: the copies handed over, times two, plus one once a copy finished. */
  readonly #states = new Map<string, number>();

  /** Counts one more copy of the token with this key handed to the client. */
  add(key: string): void {
    this.#states.set(key, (this.#states.get(key) ?? 0) + 2);
  }

  /** How many copies of the token with this key were handed to the client. */
  copies(key: string): number {
    return (this.#states.get(key) ?? 0) >> 1;
  }

  /** Forgets the copies of a token: the only one sent proved it was not revoked in this run. */
  forget(key: string): void {
    this.#states.set(key, this.isFinished(key) ? 1 : 0);
  }

  /** True when a copy of the token with this key was handed to the client in this run. */
  wasSent(key: string): boolean {
    return this.#states.has(key);
  }

  /** Notes that a copy of the token was revoked or found already invalid. */
  finish(key: string): void {
    this.#states.set(key, (this.#states.get(key) ?? 0) | 1);
  }

  /** True when a copy of the token was revoked or found already invalid in this run. */
  isFinished(key: string): boolean {
    return ((this.#states.get(key) ?? 0) & 1) === 1;
  }
}
