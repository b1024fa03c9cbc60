import { closeSync, createReadStream, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from './exit-codes';

/**
 * One line of the journal: a token's final outcome in one run, keyed by the SHA-256 of the token
 * (64 hex characters), never the token.
 */
export type JournalEntry =
  | { sha256: string; outcome: 'revoked' | 'already_invalid' }
  | { sha256: string; error: string };

/**
 * In memory, a finished token is the first 128 bits of its hash as a 32-character string: a million
 * of them take tens of megabytes, and a collision among them is practically impossible.
 */
const KEY_LENGTH = 32;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * An append-only record of final outcomes, so that a rerun skips the tokens already revoked or already
 * invalid and retries the rest. Each line is written with a synchronous write before the next outcome
 * is handled: once an outcome is reported, it is in the file, whatever happens to the process next.
 */
export class Journal {
  readonly #fd: number;
  readonly #finished: Set<string>;
  #closed = false;

  private constructor(fd: number, finished: Set<string>) {
    this.#fd = fd;
    this.#finished = finished;
  }

  /** Opens (or creates) the journal at `path` and loads the hashes of the tokens already finished. */
  static async open(path: string): Promise<Journal> {
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (error) {
      throw new UsageError(
        `Cannot open --journal ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    const finished = new Set<string>();
    const reader = createInterface({
      input: createReadStream(path, { fd, autoClose: false, start: 0 }),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of reader) {
      const sha256 = finishedHash(line);
      if (sha256) finished.add(sha256.slice(0, KEY_LENGTH));
    }
    endWithNewline(fd);
    return new Journal(fd, finished);
  }

  /** How many tokens earlier runs finished. */
  get finishedCount(): number {
    return this.#finished.size;
  }

  /** True when an earlier run left the token with this hash revoked or already invalid. */
  isFinished(sha256: string): boolean {
    return this.#finished.has(sha256.slice(0, KEY_LENGTH));
  }

  /** Appends one final outcome. */
  record(entry: JournalEntry): void {
    writeSync(this.#fd, `${JSON.stringify({ ...entry, at: new Date().toISOString() })}\n`);
  }

  /** Flushes the file to disk and closes it; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
  }
}

/** The hash of a line that records a success; undefined for failures and unreadable lines. */
function finishedHash(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { sha256?: unknown; outcome?: unknown };
    const finished = entry.outcome === 'revoked' || entry.outcome === 'already_invalid';
    return finished && typeof entry.sha256 === 'string' && SHA256_HEX.test(entry.sha256)
      ? entry.sha256
      : undefined;
  } catch {
    return undefined; // e.g. a line cut short when the machine went down
  }
}

/** A line cut short must not swallow the next record: start appending on a fresh line. */
function endWithNewline(fd: number): void {
  const { size } = fstatSync(fd);
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) writeSync(fd, '\n');
}
