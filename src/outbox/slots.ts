/**
 * At most `size` holders at once; the others wait their turn, first come first served. The workers
 * hold a few more jobs than `concurrency` (the next batch is fetched while one is sent), and each
 * request takes a slot, so that no more than `concurrency` requests are ever in flight.
 */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Runs `task` in a slot, once one is free. */
  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
