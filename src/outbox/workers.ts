import { onAbort } from '../on-abort';
import { OutboxStateError, PausedForCredentialsError } from './errors';
import { Feed, messageOf } from './feed';
import { pendingSummary } from './jobs';
import { type FetchedJob, type RunContext, type RunVerdict, runJob } from './runner';

/**
 * This instance's workers: up to `concurrency` jobs at once, fetched from pg-boss ahead of need
 * (`Feed`; `SKIP LOCKED`, so that any number of instances share the queue). A 429 pauses them for its
 * Retry-After (bounded); a refused client (`invalid_client`) stops them until the outbox is opened
 * again.
 */
export class Workers {
  readonly #context: RunContext;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #feed: Feed;
  #running = false;
  #loop: Promise<void> | undefined;
  #pausedUntil = 0;
  #credentialsRefused = false;
  /** How many times `stop()` was called: a drain started before one gives up. */
  #stops = 0;
  readonly #wakers = new Set<() => void>();

  constructor(context: RunContext) {
    this.#context = context;
    this.#feed = new Feed(context, () => this.#wakeAll());
  }

  /** True once DigiLocker refused the credentials; the workers no longer take jobs. */
  get credentialsRefused(): boolean {
    return this.#credentialsRefused;
  }

  /** Whether the workers are taking jobs. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts taking jobs (does nothing when started, or stopped for refused credentials). */
  start(): void {
    if (this.#running || this.#credentialsRefused) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /**
   * Stops taking jobs and resolves when the jobs in flight have finished and been recorded. Unless
   * `interruptDrains` is false (a drain stopping the workers it started), a drain in progress rejects.
   */
  async stop(interruptDrains = true): Promise<void> {
    this.#running = false;
    if (interruptDrains) this.#stops++;
    this.#wakeAll();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    await this.#context.completions.whenIdle();
  }

  /** Wakes idle workers at once (a job was just queued here). */
  nudge(): void {
    this.#feed.undry();
    this.#wakeAll();
  }

  /**
   * Resolves when the queue holds no waiting or running job (all instances' jobs counted), checking
   * every poll interval; rejects on abort, when the credentials are refused, or (OutboxStateError
   * `stopped`) at once when `stop()` is called meanwhile.
   */
  async untilEmpty(signal: AbortSignal | undefined): Promise<void> {
    const { pollIntervalMs } = this.#context.options;
    const stops = this.#stops;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (this.#stops !== stops)
        throw new OutboxStateError(
          'stopped',
          'drain: the workers were stopped (stop()) before the queue was empty',
        );
      if (this.#credentialsRefused)
        throw new PausedForCredentialsError(
          'DigiLocker refused the client credentials (invalid_client); jobs wait for working ones',
        );
      if (this.#idle()) {
        await this.#context.completions.whenIdle();
        const { waiting, running } = await pendingSummary(this.#context.queue);
        if (this.#stops !== stops) continue;
        if (waiting === 0 && running === 0) return;
      }
      await this.#sleep(pollIntervalMs, signal);
    }
  }

  /**
   * True when this instance has nothing in hand and has found the queue empty (or is paused): only
   * then is the store asked whether any job is left.
   */
  #idle(): boolean {
    const feed = this.#feed;
    if (this.#inFlight.size > 0 || feed.buffered > 0 || feed.fetching) return false;
    return feed.dry || !this.#running || this.#pausedUntil > this.#context.now();
  }

  async #run(): Promise<void> {
    const { options, now } = this.#context;
    const feed = this.#feed;
    while (this.#running) {
      await feed.releaseStale();
      const pause = this.#pausedUntil - now();
      if (pause > 0) {
        await this.#sleep(Math.min(pause, options.pollIntervalMs));
        continue;
      }
      // No await from here to the sleep: a job that ends, or a fetch that returns, wakes it.
      while (this.#inFlight.size < options.concurrency) {
        const job = feed.take();
        if (!job) break;
        this.#track(job);
      }
      feed.refill(this.#inFlight.size);
      await this.#sleep(feed.dry ? feed.dryForMs + 1 : options.pollIntervalMs);
    }
    // Jobs fetched and not started are given back to the queue rather than left to time out.
    await feed.close();
  }

  #track(job: FetchedJob): void {
    const task = runJob(job, this.#context).then(
      (verdict) => this.#apply(verdict),
      (error) => {
        // The job stays marked running; pg-boss runs it again after jobTimeoutSeconds.
        this.#context.emit({ type: 'error', message: `job ${job.id} failed to run: ${messageOf(error)}` });
      },
    );
    const tracked = task.finally(() => {
      this.#inFlight.delete(tracked);
      this.#wakeAll();
    });
    this.#inFlight.add(tracked);
  }

  #apply(verdict: RunVerdict): void {
    const { emit, options, now } = this.#context;
    if (verdict.kind === 'credentials_refused') {
      if (!this.#credentialsRefused) emit({ type: 'paused', reason: 'invalid_client' });
      this.#credentialsRefused = true;
      this.#running = false;
      this.#wakeAll();
    } else if (verdict.kind === 'rate_limited') {
      const delayMs = Math.min(options.maxRateLimitPauseMs, verdict.retryAfterMs);
      if (delayMs > 0 && now() + delayMs > this.#pausedUntil) {
        this.#pausedUntil = now() + delayMs;
        emit({ type: 'paused', reason: 'rate_limited', delayMs });
      }
    }
  }

  #wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** Sleeps `ms`, or less when woken (stop, a job finished, a job queued) or aborted. */
  #sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopListening?.();
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
      const stopListening = signal && onAbort(signal, done);
    });
  }
}
