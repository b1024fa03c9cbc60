import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StoreLockedError } from './errors';

const LOCK_FILE = 'outbox.lock';
/** Directories this process holds (a container restarted with the same pid must not lock itself out). */
const heldHere = new Set<string>();

/**
 * Takes the embedded store's directory for this process: a lock file created exclusively, holding the
 * host name and pid. A lock left by a process that is gone (killed, crashed) is taken over; one held by
 * a live process, or by this one, is a {@link StoreLockedError}. Returns the release function.
 */
export function lockDirectory(directory: string): () => void {
  const absolute = resolve(directory);
  mkdirSync(absolute, { recursive: true, mode: 0o700 });
  const path = join(absolute, LOCK_FILE);
  if (heldHere.has(absolute)) throw locked(absolute, 'this process');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${hostname()} ${process.pid}\n`);
      closeSync(fd);
      heldHere.add(absolute);
      return () => {
        heldHere.delete(absolute);
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      assertStale(absolute, path);
      unlinkSync(path);
    }
  }
  throw locked(absolute, 'another process');
}

function assertStale(directory: string, path: string): void {
  let owner: string;
  try {
    owner = readFileSync(path, 'utf8').trim();
  } catch {
    return; // removed meanwhile
  }
  const [host = '', pidText = ''] = owner.split(' ');
  const pid = Number(pidText);
  if (host !== hostname())
    throw locked(directory, `host ${host} (remove ${LOCK_FILE} only if no process there uses it)`);
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
    throw locked(directory, `process ${pid}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function locked(directory: string, holder: string): StoreLockedError {
  return new StoreLockedError(
    `The outbox directory ${directory} is open in ${holder}; an embedded store serves one process at a ` +
      'time (share a queue between processes with a PostgreSQL server: store.connectionString)',
  );
}
