/**
 * Standard output as the CLI writes it: line by line, waiting for a slow reader (which in turn slows
 * the pull of new tokens instead of growing memory), and never crashing when the output fails. A
 * failed write (EPIPE when the reader went away, ENOSPC on a full disk, EFBIG past a size limit) is
 * reported once to `onFailure` with a one-line reason; later writes do nothing.
 */
export class Output {
  readonly #stream: NodeJS.WritableStream;
  readonly #onFailure: (reason: string) => void;
  #failure: string | undefined;

  constructor(stream: NodeJS.WritableStream, onFailure: (reason: string) => void) {
    this.#stream = stream;
    this.#onFailure = onFailure;
    stream.on('error', (error: Error) => this.#fail(error));
  }

  /** The reason writing failed, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Writes one line; resolves once the stream can take more, or at once if it failed. */
  async writeLine(text: string): Promise<void> {
    if (this.#failure !== undefined) return;
    let accepted: boolean;
    try {
      accepted = this.#stream.write(`${text}\n`, (error) => {
        if (error) this.#fail(error);
      });
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    if (!accepted && this.#failure === undefined) await this.#drained();
  }

  /** Writes the last text; resolves true once it is written, false when the output failed. */
  end(text: string): Promise<boolean> {
    if (this.#failure !== undefined) return Promise.resolve(false);
    return new Promise((resolve) => {
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
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#stream.off('drain', done);
        this.#stream.off('error', done);
        this.#stream.off('close', done);
        resolve();
      };
      this.#stream.on('drain', done);
      this.#stream.on('error', done);
      this.#stream.on('close', done);
    });
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
