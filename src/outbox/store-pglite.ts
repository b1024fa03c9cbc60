import { accessSync, constants, mkdirSync, readdirSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StoreDamagedError, StoreFailedError, StoreLockedError } from './errors';
import { loadPgBoss, loadPglite } from './load';
import { acquireLock } from './lock';
import { OUTBOX_DEFAULTS } from './options';
import { startPgliteThread } from './pglite-thread';
import type { EmbeddedStoreOptions, OutboxStore, TransactionalExecutor } from './store';
import { assertOpenable, inspectStoreDirectory } from './store-directory';

/**
 * Opens the embedded store: PGlite (PostgreSQL compiled to WebAssembly) persisted in
 * `<directory>/pgdata`, after taking the directory's lock. A commit resolves once it is flushed to the
 * disk (fsync), unless `unsafeSkipFsync`: then once written to the directory's files only.
 * @throws StoreNotFoundError when the directory is missing or empty and `create` is false.
 * @throws StoreDamagedError when it holds anything but a store PGlite can start.
 * @throws StoreFailedError when PGlite cannot start it for a cause around it: files this user cannot
 * write, a full disk.
 * @throws StoreLockedError when another process (or this one) holds it.
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<OutboxStore> {
  // Loaded here, though PGlite runs in the worker thread, so that a missing package fails in one line.
  await loadPglite();
  const { fromPglite } = await loadPgBoss();
  const directory = resolve(options.directory);
  const create = options.create ?? true;
  assertOpenable(directory, create);
  const release = lockDirectory(directory);
  try {
    const state = inspectStoreDirectory(directory, create);
    const pglite = await startPgliteThread(directory, {
      skipFsync: options.unsafeSkipFsync ?? false,
      timeoutMs: options.queryTimeoutMs ?? OUTBOX_DEFAULTS.queryTimeoutMs,
      create: state === 'new',
    }).catch((error: unknown) => {
      throw startFailure(directory, state, error);
    });
    // pg-boss's own adapter: every statement's rows, multi-statement SQL through exec.
    const db: TransactionalExecutor = Object.assign(fromPglite(pglite), {
      executeInTransaction: pglite.transaction,
    });
    return {
      kind: 'embedded',
      location: directory,
      db,
      async close() {
        try {
          await pglite.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

const LOCK_FILE = 'outbox.lock';

/**
 * Takes the embedded store's directory for this process (see lock.ts): created when missing; held by
 * a live process (this one included, under any spelling of the path) it is a StoreLockedError.
 * Returns the release function.
 * @throws StoreLockedError when it is held; StoreDamagedError when the lock cannot be taken.
 */
export function lockDirectory(directory: string): () => void {
  const absolute = resolve(directory);
  let lock: ReturnType<typeof acquireLock>;
  try {
    mkdirSync(absolute, { recursive: true, mode: 0o700 });
    lock = acquireLock(join(absolute, LOCK_FILE));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StoreDamagedError(
      `Cannot take the lock of the outbox directory ${absolute} (${code}): check that it exists, ` +
        'is a directory and is writable by this user',
      { cause: error },
    );
  }
  if (lock.held) return lock.release;
  const { holder } = lock;
  const who = holder.self
    ? 'this process'
    : holder.host && holder.host !== hostname()
      ? `host ${holder.host} (remove ${LOCK_FILE} only if no process there uses it)`
      : `process ${holder.pid ?? `(unknown: ${LOCK_FILE} is unreadable; remove it if no process uses the store)`}`;
  throw new StoreLockedError(
    `The outbox directory ${absolute} is open in ${who}; an embedded store serves one process at a ` +
      'time (share a queue between processes with a PostgreSQL server: store.connectionString)',
  );
}

/**
 * PGlite's own failures ("Aborted()", "failed to initialize properly") say neither where nor why. A
 * store that fails to start for a cause around it (a full disk, files this user cannot write) is not
 * damaged, and must not be called so: the advice for a damaged store is to restore a backup, which
 * would lose the jobs queued since.
 */
function startFailure(
  directory: string,
  state: 'new' | 'store',
  error: unknown,
): StoreDamagedError | StoreFailedError {
  // The thread, not PGlite, failed (its file missing from a bundle, the thread dead): nothing was read.
  if (error instanceof StoreFailedError) return error;
  const cause = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : String(error);
  if (state === 'new')
    return new StoreDamagedError(
      `Could not create the outbox store in ${directory} (PGlite: ${cause}): check free space and ` +
        'permissions, then empty the directory and open it again',
      { cause: error },
    );
  const around = problemAround(directory);
  if (around)
    return new StoreFailedError(
      `The outbox store ${directory} could not be started (PGlite: ${cause}): ${around}. Nothing was ` +
        'changed, and nothing says the store is damaged: fix that and open it again',
      { cause: error },
    );
  return new StoreDamagedError(
    `The outbox store ${directory} could not be started (PGlite: ${cause}), with free space and inodes, ` +
      'and every file writable by this user: it is damaged, or was written by an incompatible PGlite version. ' +
      'Nothing was changed: restore it from a backup, or open it with the PGlite version that wrote it',
    { cause: error },
  );
}

/**
 * What around the store keeps PGlite from starting, if anything: a file or directory of `pgdata` this
 * user cannot read and write (another user ran a command on the store), or a file system with less
 * free space or fewer free inodes than PGlite needs to start (it writes to its log at once).
 */
function problemAround(directory: string): string | undefined {
  const pgdata = join(directory, 'pgdata');
  const giveBack = 'cannot be read and written by this user: give pgdata back to it (chown -R)';
  let entries: string[];
  try {
    entries = readdirSync(pgdata, { recursive: true, encoding: 'utf8' });
  } catch {
    return `${pgdata}, or a directory in it, ${giveBack}`;
  }
  for (const path of [pgdata, ...entries.map((entry) => join(pgdata, entry))]) {
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
    } catch {
      return `${path} (and maybe more in pgdata) ${giveBack}`;
    }
  }
  try {
    const { bavail, bsize, ffree } = statfsSync(directory);
    const free = bavail * bsize;
    if (free < MIN_FREE_BYTES)
      return `its file system has ${Math.floor(free / 1024)} KB free: free some space`;
    if (ffree < MIN_FREE_INODES) return `its file system has ${ffree} free inodes: remove some files`;
  } catch {
    // No figure: nothing to say about space.
  }
  return undefined;
}

/** Less free space than this is said as the cause of a failed start: PGlite writes to its log at once. */
const MIN_FREE_BYTES = 32 * 1024 * 1024;
/** Fewer free inodes than this too: PGlite creates files as it starts, and a disk may run out of them first. */
const MIN_FREE_INODES = 64;
