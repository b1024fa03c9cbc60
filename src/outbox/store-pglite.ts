import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { StoreLockedError } from './errors';
import { loadPgBoss, loadPglite } from './load';
import { acquireLock } from './lock';
import type { OutboxStore, SqlExecutor } from './store';

/**
 * Opens the embedded store: PGlite (PostgreSQL compiled to WebAssembly) persisted in
 * `<directory>/pgdata`, after taking the directory's lock. A query resolves once PGlite has written
 * its changes to the directory's files, so a committed job survives the process being killed.
 */
export async function openEmbeddedStore(directory: string): Promise<OutboxStore> {
  const { PGlite } = await loadPglite();
  const { fromPglite } = await loadPgBoss();
  const release = lockDirectory(directory);
  try {
    const pglite = await PGlite.create(join(directory, 'pgdata'));
    // pg-boss's own adapter: every statement's rows, multi-statement SQL through exec.
    const db: SqlExecutor = fromPglite(pglite);
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
 */
export function lockDirectory(directory: string): () => void {
  const absolute = resolve(directory);
  mkdirSync(absolute, { recursive: true, mode: 0o700 });
  const lock = acquireLock(join(absolute, LOCK_FILE));
  if (lock.held) return lock.release;
  const { holder } = lock;
  const who = holder.self
    ? 'this process'
    : holder.host !== undefined && holder.host !== hostname()
      ? `host ${holder.host} (remove ${LOCK_FILE} only if no process there uses it)`
      : `process ${holder.pid ?? '(unknown)'}`;
  throw new StoreLockedError(
    `The outbox directory ${absolute} is open in ${who}; an embedded store serves one process at a ` +
      'time (share a queue between processes with a PostgreSQL server: store.connectionString)',
  );
}
