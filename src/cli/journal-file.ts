import {
  closeSync,
  constants,
  createReadStream,
  fstatSync,
  openSync,
  readSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, WriteFailedError } from './exit-codes';
import { type InputLine, readLines } from './line-reader';
import { describeSource, type FileIdentity, type TokenSource } from './token-input';

/** A journal line is never longer than this; a longer one is damage, not a record. */
export const MAX_RECORD_BYTES = 4096;

/** A new journal is readable and writable by its owner only: it tells which tokens were handled. */
const JOURNAL_MODE = 0o600;

/**
 * Opens the journal for reading and appending, creating it with mode 0600. Refused (a UsageError): a
 * symbolic link (never followed, so the journal cannot be redirected onto another file), a
 * directory, anything but a regular file, and a file with more than one name (hard links): the lock
 * is taken by name (`<journal>.lock`), so two runs could write it at once, one under each name.
 */
export function openJournalFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      JOURNAL_MODE,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UsageError(`--journal ${path} is a symbolic link; give the file itself`);
    if (code === 'EISDIR') throw new UsageError(`--journal ${path} is a directory; give a file`);
    throw openFailure(`Cannot open --journal ${path}: ${code ?? error}`, code);
  }
  const refusal = refusalOf(fstatSync(fd), path);
  if (refusal !== undefined) {
    closeSync(fd);
    throw new UsageError(refusal);
  }
  return fd;
}

/** Why the file opened as the journal cannot be one, if it cannot. */
function refusalOf(stat: Stats, path: string): string | undefined {
  if (!stat.isFile()) return `--journal ${path} is not a regular file`;
  if (stat.nlink > 1)
    return (
      `--journal ${path} has ${stat.nlink} names (hard links): a run locks it by one name only, so two ` +
      'runs could write it at once; give a file with one name'
    );
  return undefined;
}

/**
 * Refuses (a UsageError) a journal that is the input itself: its records would be appended to the
 * token file and read back as tokens, sent with the others. The same file is the same device and
 * inode (a symbolic link or hard link to it included), or, when the journal does not exist yet, the
 * same path once resolved.
 */
export function refuseJournalOfInput(path: string, source: TokenSource): void {
  if (source.kind === 'arguments' || source.file === undefined) return;
  const journal = identityOf(path);
  const same =
    journal === undefined
      ? source.kind === 'file' && resolve(source.path) === resolve(path)
      : journal.dev === source.file.dev && journal.ino === source.file.ino;
  if (same) {
    throw new UsageError(
      `--journal ${path} is the input (${describeSource(source)}): its records would be read back as tokens; give another file`,
    );
  }
}

/** The file a path names (links followed), or undefined when it cannot be read: opening it will say why. */
function identityOf(path: string): FileIdentity | undefined {
  try {
    return statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The lines of the journal file, in bounded memory. */
export function journalLines(fd: number): AsyncIterable<InputLine> {
  const stream = createReadStream('', { fd, autoClose: false, start: 0 });
  return readLines(stream, { maxLineBytes: MAX_RECORD_BYTES, textOnly: false });
}

/** A line cut short must not swallow the next record: appending starts on a fresh line. */
export function endWithNewline(fd: number, path: string): void {
  const { size } = fstatSync(fd);
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  try {
    writeSync(fd, '\n');
  } catch (error) {
    throw new WriteFailedError(`Cannot write to --journal ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

/** Errors of a disk that cannot take a write (full, over a size limit or quota, failing), not of a path. */
const DISK_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO']);

/**
 * The error of a journal (or its lock) that cannot be created or opened, by its system error `code`: a
 * disk that cannot take the write is a WriteFailedError (exit 1, as a write that fails mid-run); any
 * other cause (a missing directory, no permission) is a UsageError: the path needs changing.
 */
export function openFailure(message: string, code: string | undefined): Error {
  return code !== undefined && DISK_FAILURES.has(code)
    ? new WriteFailedError(message)
    : new UsageError(message);
}

/**
 * Writes all of `text` (a write may be short: a full disk, a size limit), or throws the error of the
 * write that failed.
 */
export function writeFully(fd: number, text: string): void {
  // Almost always one write of the string; the bytes are made only to finish a short write.
  let offset = writeSync(fd, text);
  const length = Buffer.byteLength(text);
  if (offset === length) return;
  const bytes = Buffer.from(text);
  while (offset < length) {
    const written = writeSync(fd, bytes, offset, length - offset);
    if (written === 0) throw Object.assign(new Error('nothing written'), { code: 'EIO' });
    offset += written;
  }
}
