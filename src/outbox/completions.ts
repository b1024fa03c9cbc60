import { completeJobs } from './jobs';
import type { FinishedPayload } from './payload';
import type { Queue } from './queue';

interface Waiting {
  id: string;
  data: FinishedPayload;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Records ended jobs in batches: the jobs that end while one batch is being committed are committed
 * together in the next, one statement each. A job's promise resolves once its batch is committed.
 */
export class Completions {
  readonly #queue: Queue;
  #waiting: Waiting[] = [];
  #flushing = false;

  constructor(queue: Queue) {
    this.#queue = queue;
  }

  /** Completes the job with this payload (its ciphertext replaced); resolves once committed. */
  complete(id: string, data: FinishedPayload): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, data, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, 500);
      try {
        await completeJobs(
          this.#queue,
          batch.map(({ id, data }) => ({ id, data })),
        );
        for (const job of batch) job.resolve();
      } catch (error) {
        for (const job of batch) job.reject(error);
      }
    }
    this.#flushing = false;
  }
}
