import { hostname } from 'node:os';
import { acquireLock, type LockHolder } from '../outbox/lock';
import { RefusedError } from './exit-codes';
import { openFailure } from './journal-file';

/** The lock of a journal, held by one run. */
export interface JournalLock {
  /** Removes the lock file (when it is still this run's); later calls do nothing. */
  release(): void;
}

/**
 * Takes the lock of the journal at `journalPath` for the run: the file `<journal>.lock`, through the
 * package's one lock module (src/outbox/lock.ts: exclusive creation, atomic takeover of a stale lock,
 * released only by its owner, also at exit). A lock whose process is gone (a run killed with SIGKILL,
 * a crash) is taken over with a warning; one whose process is alive, on another host, or that cannot
 * be read is refused with a UsageError (exit 2). A lock that cannot be created is an error of
 * {@link openFailure}.
 */
export function lockJournal(journalPath: string, warn: (message: string) => void): JournalLock {
  const path = `${journalPath}.lock`;
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw openFailure(
      `Cannot open --journal ${journalPath}: cannot create its lock ${path}: ${code ?? error}`,
      code,
    );
  }
  if (!lock.held) throw new RefusedError(inUse(journalPath, path, lock.holder));
  if (lock.tookOverFrom)
    warn(
      `--journal ${journalPath}: took over the lock ${path} left by a run that ended without releasing it (pid ${lock.tookOverFrom.pid})`,
    );
  return { release: lock.release };
}

function inUse(journalPath: string, path: string, holder: LockHolder): string {
  const who =
    holder.pid === undefined
      ? 'an unknown process'
      : `pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}`;
  return (
    `--journal ${journalPath} is in use by another run (${who}, lock ${path}); wait for it to end, ` +
    'or remove the lock if no run uses the journal'
  );
}
