import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreDamagedError, StoreNotFoundError } from './errors';

/**
 * Entries of the directory that are not the database: the lock (lock.ts), its takeover guard, and
 * a database a killed first open was creating (pglite-worker.ts removes it before creating again).
 */
const NOT_THE_DATABASE = new Set(['outbox.lock', 'outbox.lock.takeover', 'pgdata.creating']);

/**
 * Checks, before anything is created, that `directory` (absolute) may be opened: it exists, unless
 * `create` allows making it.
 * @throws StoreNotFoundError when it is missing and `create` is false.
 * @throws StoreDamagedError when the path is something other than a directory.
 */
export function assertOpenable(directory: string, create: boolean): void {
  if (!existsSync(directory)) {
    if (create) return;
    throw new StoreNotFoundError(
      `The outbox directory ${directory} does not exist: check the path (a read-only command never ` +
        'creates a store)',
    );
  }
  if (!statSync(directory).isDirectory())
    throw new StoreDamagedError(
      `The outbox store ${directory} is not a directory: give the store's directory`,
    );
}

/**
 * What the directory (absolute, held under its lock) holds: `'new'` when empty (the lock and a
 * `pgdata.creating` aside), or when it holds only an empty `pgdata` (left by an older release's first
 * open, killed before PGlite wrote a file there: nothing was ever stored); `'store'` when it holds a
 * PostgreSQL data directory. PGlite initialises a database over whatever files lack a `PG_VERSION`,
 * so anything else is refused rather than opened.
 * @throws StoreDamagedError when it holds other files (a damaged store or another program's files).
 * @throws StoreNotFoundError when it is empty and `create` is false.
 */
export function inspectStoreDirectory(directory: string, create: boolean): 'new' | 'store' {
  const entries = readdirSync(directory).filter((name) => !NOT_THE_DATABASE.has(name));
  if (entries.length === 0 || isEmptyDataDirectory(directory, entries)) {
    if (create) return 'new';
    throw new StoreNotFoundError(
      `The outbox directory ${directory} holds no store: check the path (a read-only command never ` +
        'creates a store)',
    );
  }
  if (existsSync(join(directory, 'pgdata', 'PG_VERSION'))) return 'store';
  const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', ...' : '');
  throw new StoreDamagedError(
    `The outbox store ${directory} is damaged or is not an outbox store: it holds ${shown} but no ` +
      'pgdata/PG_VERSION. Nothing was changed: restore the directory from a backup, or give an empty ' +
      'or new directory (its jobs are lost only if you delete it)',
  );
}

/**
 * Whether the directory's only entry is `pgdata`, a directory (not a link) with no entries at all:
 * PGlite makes it first, and fills it a second or more later, so a process killed in between leaves
 * it empty. A `pgdata` with any file but no `PG_VERSION` stays refused: it is not known to be empty.
 */
function isEmptyDataDirectory(directory: string, entries: readonly string[]): boolean {
  if (entries.length !== 1 || entries[0] !== 'pgdata') return false;
  const path = join(directory, 'pgdata');
  return lstatSync(path).isDirectory() && readdirSync(path).length === 0;
}
