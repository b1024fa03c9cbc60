import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError } from './exit-codes';

/** The lock of a journal, held by one run. */
export interface JournalLock {
  /** Removes the lock file (when it is still this run's); later calls do nothing. */
  release(): void;
}

/** Who holds a lock: what its file says. */
interface Holder {
  /** The file's text, to check that it did not change. */
  text: string;
  pid: number | undefined;
  host: string | undefined;
}

/** Tries to take a lock this many times: a stale lock taken over, or one released meanwhile. */
const ATTEMPTS = 3;

/**
 * Takes the lock of the journal at `journalPath` for the run: the file `<journal>.lock`, created only
 * if absent (O_EXCL, which also never follows a symbolic link), mode 0600, holding this process's pid
 * and host name. A lock whose process is gone (a run killed with SIGKILL, a crash) is taken over with
 * a warning; one whose process is alive, on another host, or that cannot be read is refused with a
 * UsageError (exit 2). The lock is removed by `release()`, and when the process exits any other way
 * (`process.exit`, a second Ctrl-C, an uncaught error); only SIGKILL or a power loss leaves it behind.
 */
export function lockJournal(journalPath: string, warn: (message: string) => void): JournalLock {
  const path = `${journalPath}.lock`;
  const text = `${process.pid} ${hostname()}\n`;
  let stale: Holder | undefined;
  for (let attempt = 1; ; attempt++) {
    if (create(path, text, journalPath)) {
      if (stale)
        warn(
          `--journal ${journalPath}: took over the lock ${path} left by a run that ended without releasing it (pid ${stale.pid})`,
        );
      return held(path, text);
    }
    const holder = readHolder(path);
    if (holder === undefined && attempt < ATTEMPTS) continue; // released meanwhile
    if (holder === undefined || isAlive(holder) || attempt >= ATTEMPTS)
      throw new UsageError(inUse(journalPath, path, holder));
    removeIfUnchanged(path, holder);
    stale = holder;
  }
}

/** Creates the lock file with `text`; false when it exists. */
function create(path: string, text: string, journalPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new UsageError(
      `Cannot open --journal ${journalPath}: cannot create its lock ${path}: ${code ?? error}`,
    );
  }
  try {
    writeSync(fd, text);
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw new UsageError(
      `Cannot write the lock ${path} of --journal ${journalPath}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  closeSync(fd);
  return true;
}

/** The lock held by this run: removed on release or at exit, if it is still this run's. */
function held(path: string, text: string): JournalLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readHolder(path)?.text === text) removeQuietly(path);
  };
  process.on('exit', release);
  return { release };
}

/** What the lock file says, or undefined when it is gone. */
function readHolder(path: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^(\d+) (\S+)\n$/.exec(text);
  return { text, pid: match ? Number(match[1]) : undefined, host: match?.[2] };
}

/**
 * True unless the holder is a process of this host that no longer exists, or this very process (which
 * has not taken the lock: the pid of a run before a container restarted, say). A lock that says nothing
 * (a run creating it right now) or another host's (a shared file system) counts as alive: it cannot be
 * told.
 */
function isAlive({ pid, host }: Holder): boolean {
  if (pid === undefined || host !== hostname()) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes a stale lock, unless another run took it over since it was read. */
function removeIfUnchanged(path: string, holder: Holder): void {
  if (readHolder(path)?.text === holder.text) removeQuietly(path);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already: nothing to remove.
  }
}

function inUse(journalPath: string, path: string, holder: Holder | undefined): string {
  const who =
    holder?.pid === undefined
      ? 'an unknown process'
      : `pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}`;
  return (
    `--journal ${journalPath} is in use by another run (${who}, lock ${path}); wait for it to end, ` +
    'or remove the lock if no run uses the journal'
  );
}
