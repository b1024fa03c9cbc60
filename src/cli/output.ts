/**
 * How long, after a signal, standard output may still hold the run up: a reader that stopped reading
 * (a paused `| less`, a stuck log shipper) must not keep a stopping run, nor its journal's lock, alive.
 */
export const STOP_WAIT_MS = 1_000;

/**
 * Standard output as the CLI writes it: line by line, waiting for a slow reader (which in turn slows
 * the pull of new tokens instead of growing memory), and never crashing when the output fails. A
 * failed write (EPIPE when the reader went away, ENOSPC on a full disk, EFBIG past a size limit) is
 * reported once to `onFailure` with a one-line reason; later writes do nothing. After a signal
 * ({@link Output.stopWaiting}), no wait for the reader lasts past {@link STOP_WAIT_MS}: the output then
 * gives up, and counts the lines it did not write.
 */
export class Output {
  readonly #stream: NodeJS.WritableStream;
  readonly #onFailure: (reason: string) => void;
  /** Aborted STOP_WAIT_MS after a signal: every wait for the reader ends then, unfinished or not. */
  readonly #waitEnded = new AbortController();
  #failure: string | undefined;
  #stopping = false;
  #gaveUp = false;
  /** Lines handed to the stream and not yet written by it. */
  #pending = 0;
  /** Lines not even handed to the stream: it had given up. */
  #dropped = 0;

  constructor(stream: NodeJS.WritableStream, onFailure: (reason: string) => void) {
    this.#stream = stream;
    this.#onFailure = onFailure;
    stream.on('error', (error: Error) => this.#fail(error));
  }

  /** The reason writing failed, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /**
   * After a signal: every wait for the reader, one under way included, ends {@link STOP_WAIT_MS} from
   * now at the latest; a wait cut short gives up on the reader, and nothing more is written. Later
   * calls do nothing.
   */
  stopWaiting(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    setTimeout(() => this.#waitEnded.abort(), STOP_WAIT_MS);
  }

  /** Writes one line; resolves once the stream can take more, or at once if it failed or gave up. */
  async writeLine(text: string): Promise<void> {
    if (this.#failure !== undefined) return;
    if (this.#gaveUp) {
      this.#dropped++;
      return;
    }
    let accepted: boolean;
    this.#pending++;
    try {
      accepted = this.#stream.write(`${text}\n`, (error) => {
        this.#pending--;
        if (error) this.#fail(error);
      });
    } catch (error) {
      this.#pending--;
      this.#fail(error as Error);
      return;
    }
    if (!accepted && this.#failure === undefined) await this.#wait(drained(this.#stream));
  }

  /** Writes the last text; resolves true once it is written, false when the output failed or gave up. */
  async end(text: string): Promise<boolean> {
    if (this.#failure !== undefined || this.#gaveUp) return false;
    const written = new Promise<boolean>((resolve) => {
      try {
        this.#stream.write(text, (error) => {
          if (error) this.#fail(error);
          resolve(!error);
        });
      } catch (error) {
        this.#fail(error as Error);
        resolve(false);
      }
    });
    return (await this.#wait(written)) ?? false;
  }

  /**
   * After a signal, waits (within the same bound) until the stream has written every line; resolves to
   * the number of lines not written: 0, unless the output gave up on its reader (a line still in the
   * stream's buffer then is lost at exit). Without a signal, the process flushes the stream at exit.
   */
  async finish(): Promise<number> {
    if (this.#stopping && this.#failure === undefined && !this.#gaveUp && this.#pending > 0)
      await this.#wait(new Promise<void>((resolve) => this.#stream.write('', () => resolve())));
    return this.#gaveUp ? this.#dropped + this.#pending : 0;
  }

  /** `done`, or undefined when the wait after a signal ended first: the output then gives up. */
  async #wait<T>(done: Promise<T>): Promise<T | undefined> {
    const ended = this.#waitEnded.signal;
    let onEnded = () => {};
    const cutShort = new Promise<typeof CUT_SHORT>((resolve) => {
      onEnded = () => resolve(CUT_SHORT);
      if (ended.aborted) onEnded();
      else ended.addEventListener('abort', onEnded);
    });
    try {
      const first = await Promise.race([done, cutShort]);
      if (first !== CUT_SHORT) return first as T;
      // Past the deadline, the cut-short promise is settled before `done` can be: a write the stream
      // already made (a file's, or a pipe's its reader took at once) still calls back a tick later. One
      // more turn of the event loop tells such a write from a reader that really stopped reading.
      const late = await Promise.race([done, nextTurn()]);
      if (late !== CUT_SHORT) return late as T;
      this.#gaveUp = true;
      return undefined;
    } finally {
      // A run waits for its reader once per full buffer: no listener may outlive its wait.
      ended.removeEventListener('abort', onEnded);
    }
  }

  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    this.#failure =
      code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED'
        ? `standard output was closed (${code}): its reader went away`
        : `cannot write to standard output: ${code}`;
    this.#onFailure(this.#failure);
  }
}

const CUT_SHORT = Symbol('cut short');

/** Resolves to CUT_SHORT once the callbacks already due (process.nextTick, I/O) have run. */
function nextTurn(): Promise<typeof CUT_SHORT> {
  return new Promise((resolve) => setImmediate(() => resolve(CUT_SHORT)));
}

/** Resolves once `stream` can take more (or failed, or closed). */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}
