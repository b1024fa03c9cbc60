import type { JobResult, JobWithMetadata } from 'pg-boss';
import { onAbort } from '../on-abort';
import type { OutboxKey } from './crypto';
import { KeyMismatchError, OutboxStateError, PausedForCredentialsError } from './errors';
import { countJobs, eachJobIn, wipePayloads } from './jobs';
import { decodePayload } from './payload';
import type { Queue } from './queue';
import { type Run, type RunContext, runJob } from './runner';
import { Slots } from './slots';

/**
 * This instance's workers: pg-boss's `work()`, with `concurrency` requests in flight and one batch
 * more in hand (see {@link batchesOf}), while no pause is in effect. A watcher reads the cluster's
 * pause every poll interval: it stops the workers (pg-boss's `offWork`) while one is, and starts them
 * again once it ends.
 */
export class Workers {
  readonly #context: RunContext;
  #running = false;
  /**
   * Whether `start()` holds the workers (until `stop()`): a drain then leaves them running when it
   * ends, whether `start()` came before it or while it ran.
   */
  #started = false;
  /** Drains in progress: the workers run while one does; the last to end stops them unless started. */
  #drains = 0;
  #working: Promise<string> | undefined;
  /** The id of pg-boss's `work()` while it runs. */
  #workId: string | undefined;
  #watcher: Promise<void> | undefined;
  /** How many times `stop()` was called: a drain started before one gives up. */
  #stops = 0;
  readonly #wakers = new Set<() => void>();
  /** Jobs this instance's workers hold now. */
  #inHand = 0;

  /** `context`'s request slots are made here: `concurrency` of them, for the batches of {@link batchesOf}. */
  constructor(context: Omit<RunContext, 'slots'>) {
    this.#context = { ...context, slots: new Slots(context.options.concurrency) };
  }

  /** Starts taking jobs, until `stop()` (does nothing when started; a drain's end does not stop them). */
  start(): void {
    this.#started = true;
    this.#begin();
  }

  /**
   * Stops taking jobs and resolves once the jobs in flight have finished and been recorded; a drain in
   * progress rejects (OutboxStateError `stopped`).
   */
  async stop(): Promise<void> {
    this.#started = false;
    this.#stops++;
    await this.#halt();
  }

  /**
   * Works until the queue is empty (see `#untilEmpty`). The workers run while it does; once the
   * last drain ends, they stop, unless `start()` holds them (called before the drain or during it).
   */
  async drain(signal: AbortSignal | undefined): Promise<void> {
    // Aborted already: no worker starts, so nothing is fetched or sent.
    if (signal?.aborted) throw signal.reason;
    this.#drains++;
    this.#begin();
    try {
      await this.#untilEmpty(signal);
    } finally {
      this.#drains--;
      if (this.#drains === 0 && !this.#started) await this.#halt();
    }
  }

  /** Starts the watcher (see `#watch`) unless it runs. */
  #begin(): void {
    if (this.#running) return;
    this.#running = true;
    this.#watcher = this.#watch();
  }

  /** Stops the watcher, which stops pg-boss's workers once the jobs in flight are recorded. */
  async #halt(): Promise<void> {
    this.#running = false;
    this.#wakeAll();
    await this.#watcher;
  }

  /** Wakes idle workers at once (a job was just queued here). */
  nudge(): void {
    void this.#working?.then((id) => this.#context.queue.boss.notifyWorker(id)).catch(() => {});
  }

  /**
   * Resolves when the queue holds no waiting or running job (all instances' jobs counted), checking
   * every poll interval; rejects on abort, when the credentials are refused, when only jobs sealed
   * with keys this instance lacks are left, or (OutboxStateError `stopped`) when `stop()` is called.
   */
  async #untilEmpty(signal: AbortSignal | undefined): Promise<void> {
    const { queue, pause, keys, options } = this.#context;
    const stops = this.#stops;
    let tailMs = FIRST_TAIL_POLL_MS;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      if (this.#stops !== stops)
        throw new OutboxStateError(
          'stopped',
          'drain: the workers were stopped (stop()) before the queue was empty',
        );
      if ((await pause.current())?.reason === 'invalid_client')
        throw new PausedForCredentialsError(
          'DigiLocker refused the client credentials (invalid_client); the queue is paused until it is resumed ' +
            '(resume(), digilocker-revoke outbox resume) or opened with another credentialsId',
        );
      const counts = await countJobs(queue, 'unended');
      const count = (state: string) => counts.filter((c) => c.state === state).reduce((n, c) => n + c.n, 0);
      if (count('created') + count('retry') + count('active') === 0) return;
      if (count('active') === 0) await assertSomeJobOpens(queue, keys);
      // Only jobs being sent remain, and this instance holds none (it is woken when its last batch
      // ends): they are recorded within moments, so look again soon, then less and less often.
      const tail = count('created') + count('retry') === 0 && this.#inHand === 0;
      tailMs = tail ? tailMs * 2 : FIRST_TAIL_POLL_MS;
      await this.#sleep(tail ? Math.min(tailMs / 2, options.pollIntervalMs) : options.pollIntervalMs, signal);
    }
  }

  /** Keeps the workers working while no pause is in effect, until `stop()`. */
  async #watch(): Promise<void> {
    const { pause, emit, options } = this.#context;
    while (this.#running) {
      const { gate } = this.#context;
      try {
        gate.paused = (await pause.current()) !== undefined;
      } catch (error) {
        emit({ type: 'error', message: `reading the pause failed: ${messageOf(error)}` });
      }
      // Stopped while the pause was read: no worker may start (its jobs would be sent after stop()).
      if (!this.#running) break;
      if (gate.paused) await this.#offWork();
      else this.#working ??= this.#work();
      await this.#sleep(options.pollIntervalMs);
    }
    await this.#offWork();
  }

  #work(): Promise<string> {
    const { queue, options, emit } = this.#context;
    const { workers, batchSize } = batchesOf(options.concurrency);
    const working = queue.boss.work<unknown>(
      queue.name,
      {
        localConcurrency: workers,
        batchSize,
        includeMetadata: true,
        perJobResults: true,
        pollingIntervalSeconds: Math.max(0.5, options.pollIntervalMs / 1000),
      },
      // perJobResults: pg-boss records each job's own result (completed, failed, deadletter).
      ((jobs: JobWithMetadata<unknown>[]) => this.#runBatch(jobs)) as never,
    );
    working.then(
      (id) => {
        this.#workId = id;
      },
      (error) => {
        emit({ type: 'error', message: `starting the workers failed: ${messageOf(error)}` });
        this.#working = undefined;
      },
    );
    return working;
  }

  /**
   * Runs a batch's jobs at once, wipes the payloads of those that ended (one statement), and hands
   * pg-boss their results to record (one statement per kind of result).
   */
  async #runBatch(jobs: JobWithMetadata<unknown>[]): Promise<JobResult[]> {
    this.#inHand += jobs.length;
    try {
      const runs = await Promise.all(jobs.map((job) => this.#run(job)));
      await wipePayloads(
        this.#context.queue,
        runs.flatMap((run) => (run.ended ? [run.ended] : [])),
      );
      return runs.map((run) => run.result);
    } finally {
      this.#inHand -= jobs.length;
      // A drain waiting for the queue's end looks at once (see #untilEmpty).
      if (this.#inHand === 0) this.#wakeAll();
      this.#fetchAgainAtOnce();
    }
  }

  async #run(job: JobWithMetadata<unknown>): Promise<Run> {
    try {
      return await runJob(job, this.#context);
    } catch (error) {
      this.#context.emit({ type: 'error', message: `job ${job.id} failed to run: ${messageOf(error)}` });
      // pg-boss retries it; the run may have revoked a token.
      return { result: { id: job.id, status: 'failed', output: { code: 'error', rv: true } } };
    }
  }

  /**
   * A pg-boss worker waits its polling interval after every fetch that is not a full batch. Notified,
   * it fetches again at once instead: the workers holding jobs (this one among them) are notified as
   * a batch ends; an idle worker keeps its interval.
   */
  #fetchAgainAtOnce(): void {
    const { boss } = this.#context.queue;
    for (const worker of boss.getWipData())
      if (worker.workId === this.#workId && worker.count > 0) boss.notifyWorker(worker.id);
  }

  /** Stops pg-boss's workers of this instance, once the jobs in flight are recorded. */
  async #offWork(): Promise<void> {
    const working = this.#working;
    if (!working) return;
    this.#working = undefined;
    const id = await working.catch(() => undefined);
    if (id) await this.#context.queue.boss.offWork(this.#context.queue.name, { id, wait: true });
  }

  #wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /**
   * Sleeps `ms`, or less when woken (stop) or aborted; not at all when either came already, during the
   * statements before (their wake-up found no sleeper).
   */
  #sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.#running || signal?.aborted) return Promise.resolve();
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

/**
 * How jobs are fetched for `concurrency` requests in flight: by workers that each fetch a batch of up
 * to {@link MAX_BATCH} jobs, send them at once, then record their ends together, plus one worker more,
 * whose batch is fetched while the others are sent (each request still waits for one of
 * `concurrency` slots, see Slots). Without it, every request slot idles while its batch is recorded
 * and the next fetched. Batches cut the statements per job (a fetch, a wipe and a completion are per
 * batch); small batches keep a slow job from holding many others, whose results wait for it.
 */
function batchesOf(concurrency: number): { workers: number; batchSize: number } {
  const sending = Math.ceil(concurrency / MAX_BATCH);
  return { workers: sending + 1, batchSize: Math.floor(concurrency / sending) };
}

const MAX_BATCH = 4;

/** The first delay of a drain's look at a queue where only other instances' jobs are being sent. */
const FIRST_TAIL_POLL_MS = 20;

/** The key check's pages: it usually stops at the first job, which it can open. */
const KEY_CHECK_PAGE = 100;

/** Rejects with a KeyMismatchError when no waiting job can be opened with these keys. */
async function assertSomeJobOpens(queue: Queue, keys: readonly OutboxKey[]): Promise<void> {
  const needed = new Map<string, number>();
  for await (const job of eachJobIn(queue, ['created', 'retry'], KEY_CHECK_PAGE)) {
    const data = decodePayload(job.data);
    if (data?.state !== 'pending' || keys.some((key) => key.id === data.sealed.k)) return;
    needed.set(data.sealed.k, (needed.get(data.sealed.k) ?? 0) + 1);
  }
  if (needed.size > 0)
    throw new KeyMismatchError(
      [...needed.keys()],
      [...needed.values()].reduce((a, b) => a + b, 0),
    );
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
