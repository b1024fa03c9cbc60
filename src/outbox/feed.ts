import { releaseJobs } from './jobs';
import type { FetchedJob, RunContext } from './runner';

/**
 * Jobs fetched ahead, per slot: a fetch costs a commit (about 10 ms on the benchmark's PostgreSQL),
 * during which the slots keep working on the buffer. Measured (8 slots, 6,000 jobs, a worker that
 * does nothing): 3 per slot fed 1,500 jobs/s, 8 fed 2,600-2,800, 16 fed 4,300-5,300.
 */
const LOOKAHEAD_PER_SLOT = 16;
/** The most jobs fetched ahead, whatever the concurrency. */
const MAX_LOOKAHEAD = 1024;

/** A job fetched (marked running in the store) and not yet started, with when it was fetched. */
interface HeldJob {
  job: FetchedJob;
  fetchedAt: number;
}

/**
 * The jobs this instance has fetched ahead of its free slots. A fetch is one statement (and one
 * commit) for many jobs, so it runs in the background while jobs run, started before the buffer runs
 * out: the slots do not wait for its round trip. The buffer is bounded (`lookahead` jobs beyond the
 * slots), no job waits in it longer than a quarter of `jobTimeoutSeconds` (else it is released, so
 * that pg-boss never expires a job this instance still holds), and `close()` waits for the fetches in
 * flight and releases whatever is left. The embedded store (one connection) runs one fetch at a time;
 * PostgreSQL runs up to two, on separate connections.
 */
export class Feed {
  readonly #context: RunContext;
  readonly #wake: () => void;
  readonly #held: HeldJob[] = [];
  readonly #fetches = new Set<Promise<void>>();
  readonly #maxFetches: number;
  readonly #lookahead: number;
  /** Jobs asked for by the fetches in flight. */
  #asked = 0;
  /** Until when no fetch is started: the last one found no due job. */
  #dryUntil = 0;

  constructor(context: RunContext, wake: () => void) {
    this.#context = context;
    this.#wake = wake;
    const { concurrency } = context.options;
    this.#lookahead = Math.min(LOOKAHEAD_PER_SLOT * concurrency, MAX_LOOKAHEAD);
    this.#maxFetches = context.queue.singleConnection ? 1 : 2;
  }

  /** Jobs fetched and not yet taken. */
  get buffered(): number {
    return this.#held.length;
  }

  /** True while a fetch is in flight. */
  get fetching(): boolean {
    return this.#fetches.size > 0;
  }

  /** True when the last fetch found no due job and the next one waits for the poll interval. */
  get dry(): boolean {
    return this.#dryUntil > this.#context.now();
  }

  /** How long until the next fetch may start (0 when it may now). */
  get dryForMs(): number {
    return Math.max(0, this.#dryUntil - this.#context.now());
  }

  /** Lets the next fetch start at once (a job was just queued here). */
  undry(): void {
    this.#dryUntil = 0;
  }

  /** The job fetched first, or undefined. */
  take(): FetchedJob | undefined {
    return this.#held.shift()?.job;
  }

  /**
   * Starts a fetch in the background when a chunk of the lookahead (a third of it; half of it with one
   * fetch at a time) is free: the jobs running, buffered and asked for stay within the slots plus the
   * lookahead, and the fetches in flight within their number. It asks for at least the free slots.
   */
  refill(running: number): void {
    const { concurrency } = this.#context.options;
    if (this.#fetches.size >= this.#maxFetches || this.dry) return;
    const chunk = Math.ceil(this.#lookahead / (this.#maxFetches + 1));
    if (running + this.#held.length + this.#asked + chunk > concurrency + this.#lookahead) return;
    const ask = Math.max(chunk, concurrency - running - this.#held.length);
    this.#asked += ask;
    const fetch = this.#fetch(ask).finally(() => {
      this.#asked -= ask;
      this.#fetches.delete(fetch);
      this.#wake();
    });
    this.#fetches.add(fetch);
  }

  /** Releases the jobs held longer than a quarter of the job timeout; resolves at once when none is. */
  releaseStale(): Promise<void> | undefined {
    const oldest = this.#held[0];
    const limit = this.#context.now() - (this.#context.options.jobTimeoutSeconds * 1000) / 4;
    if (!oldest || oldest.fetchedAt > limit) return undefined;
    const stale = this.#held.filter((held) => held.fetchedAt <= limit);
    this.#held.splice(0, this.#held.length, ...this.#held.filter((held) => held.fetchedAt > limit));
    return this.#release(stale.map((held) => held.job));
  }

  /** Waits for the fetches in flight, then gives every job still buffered back to the queue. */
  async close(): Promise<void> {
    while (this.#fetches.size > 0) await Promise.allSettled([...this.#fetches]);
    await this.#release(this.#held.splice(0).map((held) => held.job));
  }

  async #fetch(batchSize: number): Promise<void> {
    const { queue, emit, now } = this.#context;
    try {
      const jobs = await queue.boss.fetch<unknown>(queue.name, { batchSize, includeMetadata: true });
      const fetchedAt = now();
      for (const job of jobs) this.#held.push({ job, fetchedAt });
      // pg-boss's fetch answers [] when its statement failed, too: both wait for the poll interval.
      if (jobs.length === 0) this.#dryUntil = now() + this.#context.options.pollIntervalMs;
    } catch (error) {
      this.#dryUntil = now() + this.#context.options.pollIntervalMs;
      emit({ type: 'error', message: `fetching jobs failed: ${messageOf(error)}` });
    }
  }

  async #release(jobs: readonly FetchedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await releaseJobs(
        this.#context.queue,
        jobs.map((job) => job.id),
      );
    } catch (error) {
      // They stay marked running; pg-boss runs them again after jobTimeoutSeconds.
      this.#context.emit({
        type: 'error',
        message: `giving back ${jobs.length} unstarted job(s) failed: ${messageOf(error)}`,
      });
    }
  }
}

export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
