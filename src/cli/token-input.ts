import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { UsageError } from './exit-codes';

/** Where the tokens come from: the arguments, a file, or standard input (`--file -` or piped). */
export type TokenSource =
  | { kind: 'arguments'; tokens: string[] }
  | { kind: 'file'; path: string; stream: Readable }
  | { kind: 'stdin'; stream: Readable };

/** The tokens of a source in order, read lazily; `stop()` ends the iteration, even mid-wait. */
export interface TokenLines extends AsyncIterable<string> {
  /** Stops reading: the iteration ends at once, even while it waits for input that may never come. */
  stop(): void;
}

/**
 * Picks the source from the arguments: tokens given as arguments, `--file PATH`, `--file -`, or
 * standard input when it is not a terminal. A file is opened here, so that a missing or unreadable one
 * is a usage error before any request.
 */
export async function openTokenSource(
  tokens: string[],
  file: string | undefined,
  stdin: Readable & { isTTY?: boolean },
): Promise<TokenSource> {
  if (tokens.length > 0 && file !== undefined)
    throw new UsageError('Give tokens as arguments or with --file, not both');
  if (tokens.length > 0) return { kind: 'arguments', tokens };
  if (file === '-') return { kind: 'stdin', stream: stdin };
  if (file !== undefined) {
    try {
      const handle = await open(file, 'r');
      return { kind: 'file', path: file, stream: handle.createReadStream() };
    } catch (error) {
      throw new UsageError(`Cannot read --file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }
  if (stdin.isTTY)
    throw new UsageError('No tokens: give --file PATH, --file - (standard input), or pipe them in');
  return { kind: 'stdin', stream: stdin };
}

/**
 * The token on a line: the line trimmed (which also drops a CR of CRLF), or undefined for a blank
 * line or a `#` comment.
 */
export function tokenOnLine(line: string): string | undefined {
  const token = line.trim();
  return token === '' || token.startsWith('#') ? undefined : token;
}

/**
 * Reads tokens one line at a time: readline pauses the stream while its buffer is full and revokeMany
 * pulls only when it has room, so memory stays flat whatever the input's size.
 */
export function readTokens(source: TokenSource): TokenLines {
  let stopped = false;
  let reader: ReturnType<typeof createInterface> | undefined;

  async function* fromArguments(tokens: string[]): AsyncGenerator<string> {
    for (const token of tokens) {
      if (stopped) return;
      yield token;
    }
  }

  async function* fromStream(stream: Readable): AsyncGenerator<string> {
    reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    // readline does not forward a read error; close it, then rethrow after the loop.
    let failure: Error | undefined;
    const onError = (error: Error) => {
      failure = error;
      reader?.close();
    };
    stream.on('error', onError);
    try {
      for await (const line of reader) {
        if (stopped) return;
        const token = tokenOnLine(line);
        if (token !== undefined) yield token;
      }
      if (failure && !stopped) throw new Error(`Reading the tokens failed: ${failure.message}`);
    } finally {
      stream.off('error', onError);
      reader.close();
      stream.destroy();
    }
  }

  const lines = source.kind === 'arguments' ? fromArguments(source.tokens) : fromStream(source.stream);
  return {
    [Symbol.asyncIterator]: () => lines,
    stop() {
      stopped = true;
      // Closing readline ends a read that waits for more input (a terminal, a pipe left open);
      // destroying the stream alone would not.
      reader?.close();
      if (source.kind !== 'arguments') source.stream.destroy();
    },
  };
}

/** Counts the tokens of a file without keeping them, for the progress bar's total. */
export async function countTokens(path: string): Promise<number> {
  let count = 0;
  const reader = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) if (tokenOnLine(line) !== undefined) count++;
  return count;
}
