import { closeSync, fsyncSync } from 'node:fs';
import { UsageError } from './exit-codes';
import { endWithNewline, journalLines, MAX_RECORD_BYTES, openJournalFile, writeFully } from './journal-file';
import { type JournalLock, lockJournal } from './journal-lock';
import type { InputLine } from './line-reader';
import type { SentReport } from './report';
import { keyOfHex } from './token-digest';

/**
 * One line of the journal, keyed by the SHA-256 of the token (64 hex characters), never the token:
 * `sending` before the token is handed to the client, then its final outcome in this run.
 */
export type JournalEntry = { sha256: string } & ({ sending: true } | SentReport);

/** What a journal reports while it is opened and written. */
export interface JournalListener {
  /** A damaged line found on opening (one line of text, no token in it). */
  warn(message: string): void;
  /** The first write that failed: nothing more is written after it. */
  onFailure(reason: string): void;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SENT = 1;
const FINISHED = 2;
/** Damaged lines reported one by one at most; the rest are counted. */
const MAX_WARNINGS = 10;

/**
 * An append-only, write-ahead record of a run: a token is recorded as being sent before it is handed
 * to the client, and its final outcome after, each with a synchronous write of the whole line. A rerun
 * skips the tokens an earlier run finished (revoked or already invalid), and knows which ones an
 * earlier run sent without a definitive answer: DigiLocker may have revoked those. (A token listed
 * again in this run is known from this run's SentTokens, not from here.) The journal is locked (see
 * {@link lockJournal}) from opening to closing: one run at a time.
 */
export class Journal {
  readonly #fd: number;
  readonly #path: string;
  /** Earlier runs' state of each token, by key: SENT or FINISHED. This run's records do not change it. */
  readonly #states: Map<string, number>;
  readonly #lock: JournalLock;
  readonly #listener: JournalListener;
  #failure: string | undefined;
  #closed = false;

  private constructor(
    fd: number,
    path: string,
    states: Map<string, number>,
    listener: JournalListener,
    lock: JournalLock,
  ) {
    this.#fd = fd;
    this.#lock = lock;
    this.#path = path;
    this.#states = states;
    this.#listener = listener;
  }

  /**
   * Locks the journal at `path` (a UsageError when another run holds it), opens (or creates) it and
   * loads what earlier runs recorded. A file that holds no journal record is refused (a UsageError, see
   * {@link startsLikeRecord}) before anything is written to it.
   */
  static async open(path: string, listener: JournalListener): Promise<Journal> {
    const lock = lockJournal(path, (message) => listener.warn(message));
    let fd: number;
    try {
      fd = openJournalFile(path);
    } catch (error) {
      lock.release();
      throw error;
    }
    try {
      const states = await loadStates(journalLines(fd), path).then(({ states, warnings, more }) => {
        for (const warning of warnings) listener.warn(warning);
        if (more > 0) listener.warn(`--journal ${path}: ${more} more damaged lines ignored`);
        return states;
      });
      endWithNewline(fd, path);
      return new Journal(fd, path, states, listener, lock);
    } catch (error) {
      closeSync(fd);
      lock.release();
      throw error;
    }
  }

  /** True when an earlier run left the token with this key (`token-digest.ts`) revoked or already invalid. */
  isFinished(key: string): boolean {
    return this.#states.get(key) === FINISHED;
  }

  /** True when an earlier run sent the token with this key and got no definitive answer. */
  wasSent(key: string): boolean {
    return this.#states.get(key) === SENT;
  }

  /** The reason the journal could not be written, once it could not. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Records that the token is about to be sent; false when the journal cannot be written. */
  recordSending(sha256: string): boolean {
    return this.#append({ sha256, sending: true });
  }

  /** Records a final outcome; false when the journal cannot be written. */
  recordOutcome(sha256: string, report: SentReport): boolean {
    return this.#append({ sha256, ...report });
  }

  /** Flushes the file to disk, closes it and releases its lock; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      fsyncSync(this.#fd);
    } catch {
      // A failed write was reported already; the close below still releases the file.
    }
    closeSync(this.#fd);
    this.#lock.release();
  }

  #append(entry: JournalEntry): boolean {
    if (this.#failure !== undefined || this.#closed) return false;
    try {
      writeFully(this.#fd, recordLine(entry));
      return true;
    } catch (error) {
      this.#failure = `cannot write to --journal ${this.#path}: ${(error as NodeJS.ErrnoException).code ?? error}`;
      this.#listener.onFailure(this.#failure);
      return false;
    }
  }
}

/**
 * The entry as one journal line, never longer than a rerun reads back ({@link MAX_RECORD_BYTES}): an
 * error's message is cut to fit. Its length is capped, but JSON may escape a character into six bytes,
 * and a record a rerun ignored would leave the token's `sending` line as the last word on it.
 */
function recordLine(entry: JournalEntry): string {
  const at = new Date().toISOString();
  const line = `${JSON.stringify({ ...entry, at })}\n`;
  if ('message' in entry && Buffer.byteLength(line) > MAX_RECORD_BYTES)
    return `${JSON.stringify({ ...entry, message: entry.message.slice(0, MESSAGE_CUT), at })}\n`;
  return line;
}

/** A message this long fits a record even when each character takes six bytes. */
const MESSAGE_CUT = 500;

/**
 * Reads every line: the state of each token, and warnings for the lines that are not records. A file
 * with text in it but no line that starts like a record is refused, before anything is written to it:
 * it is not a journal (see {@link startsLikeRecord}).
 */
async function loadStates(
  lines: AsyncIterable<InputLine>,
  path: string,
): Promise<{ states: Map<string, number>; warnings: string[]; more: number }> {
  const states = new Map<string, number>();
  const warnings: string[] = [];
  let more = 0;
  let text = false;
  let records = false;
  for await (const line of lines) {
    text ||= !isBlank(line);
    records ||= startsLikeRecord(line);
    const problem = applyLine(states, line);
    if (problem === undefined) continue;
    if (warnings.length < MAX_WARNINGS)
      warnings.push(`--journal ${path}: line ${line.number} ${problem}; ignored`);
    else more++;
  }
  if (text && !records) throw new UsageError(notAJournal(path));
  return { states, warnings, more };
}

/** Every record opens so: `sha256` is the first key of each entry {@link recordLine} writes. */
const RECORD_START = '{"sha256":"';

/**
 * Whether a line starts like a record: a whole one, or one cut short past its first key (a write that
 * did not finish). A file with none is not a journal (a file of tokens, or of JSON, given as --journal
 * by mistake), and records appended to it would be sent to DigiLocker as tokens when that file is
 * revoked later. A journal whose other lines were damaged (a crash that left NUL bytes, a cut line)
 * still has some, and is read with warnings.
 */
function startsLikeRecord(line: InputLine): boolean {
  return !('tooLong' in line) && line.text.trim().startsWith(RECORD_START);
}

function isBlank(line: InputLine): boolean {
  return !('tooLong' in line) && line.text.trim() === '';
}

/** The refusal of a file that is not a journal; it never quotes a line, which may be a token. */
function notAJournal(path: string): string {
  return (
    `--journal ${path} is not a journal: none of its lines is a journal record (a file of tokens?); ` +
    'give a new file or a journal an earlier run wrote'
  );
}

/** Applies one line to the states; returns what is wrong with it, if anything. */
function applyLine(states: Map<string, number>, line: InputLine): string | undefined {
  if (isBlank(line)) return undefined;
  if ('tooLong' in line) return 'is not a journal record';
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line.text);
  } catch {
    // The last line, without its line break: a write that did not finish (a crash, a full disk).
    return line.complete ? 'is not valid JSON' : 'is cut short (a write that did not finish)';
  }
  const sha256 = record?.sha256;
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) return 'is not a journal record';
  const key = keyOfHex(sha256);
  if (record.outcome === 'revoked' || record.outcome === 'already_invalid') states.set(key, FINISHED);
  else if (states.get(key) === FINISHED) return undefined;
  else if (record.sending === true) states.set(key, SENT);
  else if (typeof record.error === 'string') {
    if (!mayHaveRevoked(record)) states.delete(key);
  } else return 'is not a journal record';
  return undefined;
}

/**
 * Whether a failure record leaves its token possibly revoked. A record says so (`mayHaveRevoked`);
 * one written before it did is read as it was then: only DigiLocker's invalid_token and an invalid
 * input proved nothing was revoked.
 */
function mayHaveRevoked(record: Record<string, unknown>): boolean {
  if (typeof record.mayHaveRevoked === 'boolean') return record.mayHaveRevoked;
  return record.error !== 'invalid_token' && record.error !== 'invalid_input';
}
