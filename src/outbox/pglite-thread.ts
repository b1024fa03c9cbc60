/**
 * The main-thread side of the embedded store: PGlite runs in a worker thread (pglite-worker.ts),
 * and every call to it has a deadline. PGlite can spin forever (a write-ahead log write failing on a
 * full disk makes its next call loop at 100% CPU); on its own thread that would freeze the
 * application. Here a call that is not answered in time, or the thread dying, fails the store: the
 * thread is terminated, and that call, every pending one and every later one reject with a
 * StoreFailedError, while the application's event loop stays free.
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StoreFailedError } from './errors';
import type { PgliteAnswer, PgliteCall, PgliteWorkerData } from './pglite-worker';
import type { Statement } from './store';

/** PGlite's calls as pg-boss's `fromPglite` adapter uses them, plus closing. */
export interface PgliteThread {
  // biome-ignore lint/suspicious/noExplicitAny: rows of any query, as PGlite types them.
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; affectedRows?: number }>;
  // biome-ignore lint/suspicious/noExplicitAny: rows of any statement, as PGlite types them.
  exec(text: string): Promise<{ rows: any[] }[]>;
  /** Runs the statements in one transaction, as one call (see TransactionalExecutor). */
  transaction(statements: readonly Statement[]): Promise<void>;
  /** Closes PGlite, then ends the thread. */
  close(): Promise<void>;
}

/**
 * Starts PGlite on `<directory>/pgdata` in a worker thread, creating the database first with
 * `create`. Rejects with PGlite's own error (name, message, fields) when it cannot start; then the
 * thread has ended. Rejects with a StoreFailedError when the thread itself cannot start or dies.
 * @param options.timeoutMs the deadline of each call, in milliseconds (not of the start, which creates a
 * new database in seconds to minutes on a busy machine).
 */
export async function startPgliteThread(
  directory: string,
  options: { skipFsync: boolean; timeoutMs: number; create: boolean },
): Promise<PgliteThread> {
  const data: PgliteWorkerData = { directory, skipFsync: options.skipFsync, create: options.create };
  // None of the process's Node options: the worker is a plain file that needs none, and some break it
  // (`--input-type`, of an application run as `node --input-type=module -e ...`). As babel/babel#18131.
  const worker = new Worker(workerFile(), { workerData: data, execArgv: [] });
  const calls = new Calls(worker, directory, options.timeoutMs);
  try {
    await calls.started;
  } catch (error) {
    calls.closed = true;
    await worker.terminate();
    throw error;
  }
  return {
    query: (text, values) =>
      calls.send({ method: 'query', text, values }) as ReturnType<PgliteThread['query']>,
    exec: (text) => calls.send({ method: 'exec', text }) as ReturnType<PgliteThread['exec']>,
    transaction: async (statements) => {
      await calls.send({ method: 'transaction', statements });
    },
    async close() {
      try {
        // A failed store has nothing left to close: its thread is gone.
        if (!calls.failed) await calls.send({ method: 'close' });
      } finally {
        calls.closed = true;
        await worker.terminate();
      }
    },
  };
}

/**
 * The worker's file, next to this one: .ts when the tests run the source, .js or .cjs once built.
 * @throws StoreFailedError when it is not there: an application bundle took this module in without it.
 */
function workerFile(): URL {
  // import.meta.url is empty once a bundler has turned this ES module into CommonJS.
  const here: string | undefined = import.meta.url;
  const file = here ? new URL(`./pglite-worker${extname(fileURLToPath(here))}`, here) : undefined;
  if (file && existsSync(file)) return file;
  const where = file ? fileURLToPath(file) : 'pglite-worker, beside the outbox module';
  throw new StoreFailedError(
    `The embedded store's worker (${where}) is missing: the outbox was bundled into the application ` +
      'without it. Leave digilocker-revocation/outbox out of the bundle (external), with its optional ' +
      'peers; nothing was opened',
  );
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
}

/** The calls in flight, their deadlines, and the store's failure once it has failed. */
class Calls {
  readonly started: Promise<unknown>;
  closed = false;
  #failure: StoreFailedError | undefined;
  #next = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(
    private readonly worker: Worker,
    private readonly directory: string,
    private readonly timeoutMs: number,
  ) {
    this.started = new Promise((resolve, reject) => this.#pending.set(0, { resolve, reject }));
    worker.on('message', (answer: PgliteAnswer) => this.#settle(answer));
    worker.on('error', (error) => this.fail(`its thread failed (${error.name}: ${error.message})`));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(`its thread ended (exit code ${code})`);
    });
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  send(call: Omit<PgliteCall, 'id'>): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.closed)
      return Promise.reject(new StoreFailedError(`The outbox store ${this.directory} is closed`));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      // Sent first: a call that cannot be (a value structured cloning refuses, such as a function)
      // rejects with the DataCloneError, leaving no deadline behind to fail the store. Its answer
      // comes as a later message, once the call is pending.
      this.worker.postMessage({ id, ...call } satisfies PgliteCall);
      const timer = setTimeout(
        () => this.fail(`a call was not answered within ${this.timeoutMs} ms (store.queryTimeoutMs)`),
        this.timeoutMs,
      );
      this.#pending.set(id, { resolve, reject, timer });
    });
  }

  /**
   * Fails the store once: terminates the thread, rejects every pending call and every later one. The
   * StoreFailedError's `cause` is `cause`, what happened, for a close to say (open.ts).
   */
  fail(cause: string): void {
    if (this.#failure || this.closed) return;
    this.#failure = new StoreFailedError(
      `The outbox store ${this.directory} stopped working: ${cause}. It was shut down and every call ` +
        'fails from now on. Check the disk (free space, errors in the system log), or raise ' +
        'store.queryTimeoutMs above your longest statement; then restart the process: the jobs ' +
        'committed before are kept',
      { cause },
    );
    void this.worker.terminate();
    for (const [id, pending] of this.#pending) this.#reject(id, pending, this.#failure);
  }

  #settle(answer: PgliteAnswer): void {
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    if ('result' in answer) {
      clearTimeout(pending.timer);
      this.#pending.delete(answer.id);
      pending.resolve(answer.result);
      return;
    }
    const { name, message, fields } = answer.error;
    this.#reject(answer.id, pending, Object.assign(new Error(message), fields, { name }));
  }

  #reject(id: number, pending: Pending, error: unknown): void {
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    pending.reject(error);
  }
}
