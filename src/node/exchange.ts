import { onAbort } from '../on-abort';
import type { RequestDeadline } from '../own-deadline';
import { clampTimer } from '../race';

/** Statuses whose Response must have no body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * One request as undici's dispatch handler (the layer under `pool.request()`, without its stream and
 * its own abort listener). It settles once: with a Response holding at most `maxBytes` of the body (past
 * that the connection is aborted rather than read to the end), with `TypeError('fetch failed', { cause
 * })` on a network failure, or with `signal.reason` the moment the signal aborts, even while the request
 * still waits for a connection or a TLS handshake (undici is told to drop it as soon as it can), and
 * with the deadline's reason when its time passes first, in the same way; but a request with a deadline
 * that has received a 2xx status resolves with it (see `#endEarly`). A status or reason phrase no
 * Response can hold (600, a non-Latin-1 phrase) fails it as a network failure.
 */
export class Exchange {
  #abort: ((reason: Error) => void) | undefined;
  #settled = false;
  #status = 0;
  #statusText = '';
  #headers: Buffer[] = [];
  readonly #chunks: Buffer[] = [];
  #room: number;
  readonly #stopListening: (() => void) | undefined;
  readonly #resolve: (response: Response) => void;
  readonly #reject: (reason: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** True for a request with a deadline (the revocation client's): a 2xx status is its answer. */
  #keepsAnswer = false;

  constructor(
    bounds: { maxBytes: number; signal: AbortSignal | undefined; deadline: RequestDeadline | undefined },
    resolve: (response: Response) => void,
    reject: (reason: unknown) => void,
  ) {
    const { signal, deadline } = bounds;
    this.#room = bounds.maxBytes;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#stopListening = signal && onAbort(signal, () => this.#stop(signal.reason));
    if (deadline !== undefined) {
      this.#keepsAnswer = true;
      this.#timer = setTimeout(() => this.#endEarly(deadline.onTimeout()), clampTimer(deadline.timeoutMs));
    }
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.#settled) abort(new Error('The request was abandoned before it was sent'));
    else this.#abort = abort;
  }

  onHeaders(status: number, headers: Buffer[], _resume: () => void, statusText: string): boolean {
    if (status >= 200) {
      this.#status = status;
      this.#statusText = statusText;
      this.#headers = headers;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (chunk.length < this.#room) {
      this.#room -= chunk.length;
      this.#chunks.push(chunk);
      return true;
    }
    if (this.#room > 0) this.#chunks.push(chunk.subarray(0, this.#room));
    this.#answer();
    this.#abort?.(new Error('The response body is over the limit; the connection is closed'));
    return false;
  }

  onComplete(): void {
    this.#answer();
  }

  onError(error: Error): void {
    this.#endEarly(new TypeError('fetch failed', { cause: error }));
  }

  /**
   * The deadline passed or the connection failed before the response was complete. For the revocation
   * client (a request with a deadline) a 2xx status already received is the answer: it resolves with
   * what was read of the body, and the connection is closed; otherwise the exchange fails with `reason`.
   */
  #endEarly(reason: unknown): void {
    if (this.#keepsAnswer && this.#status >= 200 && this.#status <= 299) {
      this.#answer();
      this.#abort?.(new Error('The rest of the response body is not needed; the connection is closed'));
    } else {
      this.#stop(reason);
    }
  }

  #answer(): void {
    if (this.#settled) return;
    let response: Response;
    try {
      response = toResponse(this.#status, this.#statusText, this.#headers, this.#chunks);
    } catch {
      try {
        // A reason phrase a Response refuses (a control character, say) is dropped: it means nothing.
        response = toResponse(this.#status, '', this.#headers, this.#chunks);
      } catch (error) {
        // A status past 599: no Response can hold it.
        this.#stop(new TypeError('fetch failed', { cause: error }));
        return;
      }
    }
    this.#settle();
    this.#resolve(response);
  }

  #stop(reason: unknown): void {
    if (!this.#settle()) return;
    this.#reject(reason);
    this.#abort?.(reason instanceof Error ? reason : new Error('The request was aborted'));
  }

  /** Marks the exchange settled; false when it already was. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#stopListening?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    return true;
  }
}

function toResponse(status: number, statusText: string, rawHeaders: Buffer[], chunks: Buffer[]): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    headers.append(
      (rawHeaders[i] as Buffer).toString('latin1'),
      (rawHeaders[i + 1] as Buffer).toString('latin1'),
    );
  // An empty body (the usual 200 of a revocation) costs nothing to wrap.
  let body: Buffer | null = null;
  if (chunks.length > 0 && !NULL_BODY_STATUSES.has(status))
    body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  return new Response(body as BodyInit | null, { status, statusText, headers });
}
