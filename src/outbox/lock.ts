/**
 * One lock file per resource, held by one process: the embedded store's directory and the CLI's
 * journal both use it. The file is created exclusively (O_EXCL, which never follows a symbolic link),
 * mode 0600, and says `<pid> <host> <nonce>`.
 *
 * - A lock whose process is gone (this host, no such pid) is stale. It is removed only under a second,
 *   short-lived file (`<lock>.takeover`, created exclusively), after reading it again there: two
 *   processes taking over one stale lock cannot both win, nor can one delete the lock the other has
 *   just created.
 * - A lock is released only by its owner (its nonce is checked first).
 * - Within one process, locks are keyed on the real path (symbolic links resolved), so one resource
 *   opened twice under two spellings is refused the second time; a lock that names this process and
 *   is not held by it (the pid of a process before a container restarted) is stale.
 * - A lock that cannot be read, or that names another host (a shared file system), counts as held.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Who holds a lock, as its file says. */
export interface LockHolder {
  pid: number | undefined;
  host: string | undefined;
  /** True when the holder is this very process. */
  self: boolean;
}

/** The outcome of {@link acquireLock}: held (with `release`), or refused (with its holder). */
export type LockResult =
  | { held: true; release: () => void; tookOverFrom: LockHolder | undefined }
  | { held: false; holder: LockHolder };

/** Paths this process holds, by real path. */
const heldHere = new Set<string>();
/** A takeover file older than this was left by a process that died in the middle of one. */
const TAKEOVER_STALE_MS = 10_000;
const ATTEMPTS = 5;

/**
 * Takes the lock file at `path` (its directory must exist). Throws only for file system errors other
 * than the lock existing (ENOENT of the directory, EACCES...).
 */
export function acquireLock(path: string): LockResult {
  const real = join(realpathSync(dirname(path)), basename(path));
  if (heldHere.has(real)) return { held: false, holder: { pid: process.pid, host: hostname(), self: true } };
  const text = `${process.pid} ${hostname()} ${randomUUID()}\n`;
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (create(real, text)) {
      heldHere.add(real);
      return { held: true, release: releaser(real, text), tookOverFrom };
    }
    const seen = readLock(real);
    if (seen !== undefined && !isStale(seen.holder)) return { held: false, holder: seen.holder };
    if (seen !== undefined && takeOver(real, seen.text)) tookOverFrom = seen.holder;
  }
  const last = readLock(real);
  return { held: false, holder: last?.holder ?? { pid: undefined, host: undefined, self: false } };
}

/** Creates the lock file with `text`; false when it exists. */
function create(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw error;
  }
  closeSync(fd);
  return true;
}

/**
 * Removes the stale lock whose text was `staleText`, under the takeover file; false when another
 * process is taking it over (the caller tries again) or the lock changed meanwhile.
 */
function takeOver(path: string, staleText: string): boolean {
  const guard = `${path}.takeover`;
  if (!create(guard, `${process.pid}\n`)) {
    removeIfOlder(guard);
    return false;
  }
  try {
    if (readLock(path)?.text !== staleText) return false;
    removeIfThere(path);
    return true;
  } finally {
    removeIfThere(guard);
  }
}

/** Removes a file; one already gone (removed by hand, or by a process that judged it stale) is fine. */
function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function removeIfOlder(guard: string): void {
  try {
    if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(guard);
  } catch {
    // Gone meanwhile.
  }
}

function releaser(path: string, text: string): () => void {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(path);
    process.off('exit', release);
    if (readLock(path)?.text === text) {
      try {
        unlinkSync(path);
      } catch {
        // Gone already.
      }
    }
  };
  process.on('exit', release);
  return release;
}

/** What the lock file says, or undefined when it is gone. Reads release 0.1's `<host> <pid>` too. */
function readLock(path: string): { text: string; holder: LockHolder } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^(\d+) (\S+)( \S+)?\n$/.exec(text);
  const legacy = match ? undefined : /^(\S+) (\d+)\n$/.exec(text);
  const pid = match ? Number(match[1]) : legacy ? Number(legacy[2]) : undefined;
  const host = match ? match[2] : legacy?.[1];
  return { text, holder: { pid, host, self: pid === process.pid && host === hostname() } };
}

/** True when the holder is a process of this host that no longer exists, or this one (not holding it). */
function isStale({ pid, host }: LockHolder): boolean {
  if (pid === undefined || host !== hostname()) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
