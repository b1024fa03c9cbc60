import { completeJobs } from './jobs';
import type { FinishedPayload } from './payload';
import type { Queue } from './queue';

interface Waiting {
  id: string;
  data: FinishedPayload;
  onCommitted: () => void;
}

/**
 * Records ended jobs in the background, in batches: the jobs that end while one batch is committed
 * are committed together in the next, one statement each. A worker slot is free as soon as its job's
 * outcome is known, instead of waiting for a commit. A job whose batch fails stays marked running in
 * the store, and pg-boss runs it again after `jobTimeoutSeconds` (revocation is idempotent).
 */
export class Completions {
  readonly #queue: Queue;
  readonly #onError: (error: unknown, jobs: number) => void;
  #waiting: Waiting[] = [];
  #inBatch = 0;
  #flushing: Promise<void> | undefined;

  constructor(queue: Queue, onError: (error: unknown, jobs: number) => void) {
    this.#queue = queue;
    this.#onError = onError;
  }

  /** Jobs ended and not yet committed. */
  get backlog(): number {
    return this.#waiting.length + this.#inBatch;
  }

  /** Completes the job with this payload (its ciphertext replaced); `onCommitted` runs once committed. */
  record(id: string, data: FinishedPayload, onCommitted: () => void = () => {}): void {
    this.#waiting.push({ id, data, onCommitted });
    this.#flushing ??= this.#flush();
  }

  /** Resolves once every job recorded so far is committed (or its batch failed). */
  async whenIdle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, 500);
      this.#inBatch = batch.length;
      try {
        await completeJobs(
          this.#queue,
          batch.map(({ id, data }) => ({ id, data })),
        );
        for (const job of batch) job.onCommitted();
      } catch (error) {
        this.#onError(error, batch.length);
      }
      this.#inBatch = 0;
    }
    this.#flushing = undefined;
  }
}
