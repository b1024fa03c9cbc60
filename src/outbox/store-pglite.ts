import { join } from 'node:path';
import { loadPgBoss, loadPglite } from './load';
import { lockDirectory } from './lock';
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
