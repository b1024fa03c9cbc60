/**
 * The tokens handed to the client in this run, each known by its SHA-256 (hex, as the journal keys
 * it; never the token): how many copies of it were handed over (a token listed again), and whether a
 * copy finished (revoked or already invalid). A Map and a Set of the digest strings the run makes
 * anyway: about 130 bytes of heap per distinct token (130 MB for a million, measured).
 */
export class SentTokens {
  readonly #copies = new Map<string, number>();
  readonly #finished = new Set<string>();

  /** Counts one more copy of the token with this SHA-256 handed to the client. */
  add(sha256: string): void {
    this.#copies.set(sha256, (this.#copies.get(sha256) ?? 0) + 1);
  }

  /** How many copies of the token with this SHA-256 were handed to the client. */
  copies(sha256: string): number {
    return this.#copies.get(sha256) ?? 0;
  }

  /** Forgets the copies of a token: the only one sent proved it was not revoked in this run. */
  forget(sha256: string): void {
    this.#copies.delete(sha256);
  }

  /** Notes that a copy of the token was revoked or found already invalid. */
  finish(sha256: string): void {
    this.#finished.add(sha256);
  }

  /** True when a copy of the token was revoked or found already invalid in this run. */
  isFinished(sha256: string): boolean {
    return this.#finished.has(sha256);
  }
}
