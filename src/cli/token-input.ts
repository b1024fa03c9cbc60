import { type BigIntStats, closeSync, constants, createReadStream, fstatSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { isatty, ReadStream } from 'node:tty';
import { MAX_TOKEN_LENGTH } from '../index';
import { UsageError } from './exit-codes';
import { type LineBounds, NotTextError, readLines } from './line-reader';

/**
 * Where the tokens come from: the arguments, a file, or standard input (`--file -` or piped). `file`
 * is the input's device and inode (standard input's when it has a descriptor), to tell it from the
 * journal.
 */
export type TokenSource =
  | { kind: 'arguments'; tokens: string[] }
  | { kind: 'file'; path: string; stream: Readable; regular: boolean; isTTY: boolean; file: FileIdentity }
  | { kind: 'stdin'; stream: Readable; isTTY: boolean; file?: FileIdentity };

/** A file's device and inode: two paths or descriptors with equal ones are the same file. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

/** One input: a token, or a line that cannot be one (with the reason, which never quotes the line). */
export type InputItem = { token: string } | { invalid: string };

/** The inputs of a source in order, read lazily; `stop()` ends the iteration, even mid-wait. */
export interface TokenLines extends AsyncIterable<InputItem> {
  /** Stops reading: the iteration ends at once, even while it waits for input that may never come. */
  stop(): void;
}

/**
 * A line is decoded only up to this many bytes (a token of the longest length, each character up to
 * three UTF-8 bytes, with room for surrounding whitespace); a longer line is an invalid input, however
 * long, never held whole. A shorter one whose token is still longer than the longest token is the same
 * invalid input, told the same way, so that the length rule does not depend on the bytes of a line.
 * A NUL byte ends the input: it is not text.
 */
const LINE_BOUNDS: LineBounds = { maxLineBytes: MAX_TOKEN_LENGTH * 4, textOnly: true };

/**
 * Picks the source from the arguments: tokens given as arguments, `--file PATH`, `--file -`, or
 * standard input when it is not a terminal. A file is opened here, so that a missing or unreadable one,
 * or a directory, is a usage error before any request.
 */
export async function openTokenSource(
  tokens: string[],
  file: string | undefined,
  stdin: Readable & { isTTY?: boolean },
): Promise<TokenSource> {
  if (tokens.length > 0 && file !== undefined)
    throw new UsageError('Give tokens as arguments or with --file, not both');
  if (tokens.length > 0) return { kind: 'arguments', tokens };
  if (file === '-') return fromStdin(stdin);
  if (file !== undefined) return openFile(file);
  if (stdin.isTTY)
    throw new UsageError('No tokens: give --file PATH, --file - (standard input), or pipe them in');
  return fromStdin(stdin);
}

function fromStdin(stdin: Readable & { isTTY?: boolean; fd?: unknown }): TokenSource {
  const source: TokenSource = { kind: 'stdin', stream: stdin, isTTY: stdin.isTTY === true };
  if (typeof stdin.fd !== 'number') return source; // a stream of a test, not the process's
  try {
    const { dev, ino } = fstatSync(stdin.fd, { bigint: true });
    source.file = { dev, ino };
  } catch {}
  return source;
}

function openFile(path: string): TokenSource {
  let fd: number;
  try {
    // Never waits: a named pipe opens at once, with or without a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // /dev/stdin when standard input is a socket (a parent's socketpair) cannot be opened again.
    const hint =
      code === 'ENXIO' ? ' (a socket cannot be opened by its path: use --file - for standard input)' : '';
    throw new UsageError(`Cannot read --file ${path}: ${code ?? error}${hint}`);
  }
  const stats = fstatSync(fd, { bigint: true });
  if (stats.isDirectory()) {
    closeSync(fd);
    throw new UsageError(`--file ${path} is a directory; give a file of tokens, one per line`);
  }
  const isTTY = isatty(fd);
  const file = { dev: stats.dev, ino: stats.ino };
  return { kind: 'file', path, stream: streamOf(fd, stats, isTTY), regular: stats.isFile(), isTTY, file };
}

/**
 * A stream of the open file that `destroy()` ends at once. A named pipe, a pipe or socket (`--file
 * /dev/stdin`, `--file <(cmd)`) and a terminal are read through the event loop, as Node reads its own
 * standard input; a regular file or another device (/dev/zero: a read never waits) with fs reads. An
 * fs read runs in libuv's thread pool, where a read(2) that waits for input cannot be interrupted: the
 * stream could not end, nor even the process, as libuv waits for its threads on exit.
 */
function streamOf(fd: number, stats: BigIntStats, isTTY: boolean): Readable {
  if (isTTY) return new ReadStream(fd);
  if (stats.isFIFO() || stats.isSocket()) return new Socket({ fd, readable: true, writable: false });
  return createReadStream('', { fd });
}

/** How a source is named in messages. */
export function describeSource(source: TokenSource): string {
  if (source.kind === 'file') return `--file ${source.path}`;
  return source.kind === 'stdin' ? 'standard input' : 'the arguments';
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
 * Reads the inputs one line at a time in bounded memory: revokeMany pulls only when it has room, and
 * a line longer than any token is reported, never held. A read that fails (an I/O error, a NUL byte
 * of binary input) ends the iteration and is reported to `onFailure`: what was read so far still counts.
 */
export function readTokens(source: TokenSource, onFailure: (reason: string) => void): TokenLines {
  let stopped = false;

  async function* fromArguments(tokens: string[]): AsyncGenerator<InputItem> {
    for (const token of tokens) {
      if (stopped) return;
      yield { token };
    }
  }

  async function* fromStream(stream: Readable): AsyncGenerator<InputItem> {
    try {
      for await (const line of readLines(stream, LINE_BOUNDS)) {
        if (stopped) return;
        if ('tooLong' in line) {
          yield { invalid: tooLongMessage(line.number, line.bytes) };
          continue;
        }
        const token = tokenOnLine(line.text);
        if (token === undefined) continue;
        if (token.length > MAX_TOKEN_LENGTH)
          yield { invalid: tooLongMessage(line.number, Buffer.byteLength(line.text)) };
        // Bytes that are not UTF-8 decode to U+FFFD: sending that would revoke some other string.
        else if (token.includes('\ufffd')) yield { invalid: notTextMessage(line.number) };
        else yield { token };
      }
    } catch (error) {
      if (stopped) return; // the stream destroyed by stop()
      const reason = error instanceof NotTextError ? error.message : errorCode(error);
      onFailure(`${describeSource(source)}: ${reason}`);
    } finally {
      stream.destroy();
    }
  }

  const lines = source.kind === 'arguments' ? fromArguments(source.tokens) : fromStream(source.stream);
  return {
    [Symbol.asyncIterator]: () => lines,
    stop() {
      stopped = true;
      // Destroying the stream ends a read that waits for more input (a terminal, a pipe left open).
      if (source.kind !== 'arguments') source.stream.destroy();
    },
  };
}

function tooLongMessage(lineNumber: number, bytes: number): string {
  return `line ${lineNumber} is longer than ${MAX_TOKEN_LENGTH} characters, the longest token (${bytes} bytes)`;
}

function notTextMessage(lineNumber: number): string {
  return `line ${lineNumber} is not UTF-8 text (or holds U+FFFD): no token has such a character`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

/** Counts the tokens of a regular file without keeping them, for the progress bar's total. */
export async function countTokens(path: string): Promise<number> {
  let count = 0;
  for await (const line of readLines(createReadStream(path), LINE_BOUNDS))
    if ('tooLong' in line || tokenOnLine(line.text) !== undefined) count++;
  return count;
}
