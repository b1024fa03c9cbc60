import { join } from 'node:path';
import { loadPglite } from './load';
import { lockDirectory } from './lock';
import type { OutboxStore, SqlExecutor } from './store';

/**
 * Opens the embedded store: PGlite (PostgreSQL compiled to WebAssembly) persisted in
 * `<directory>/pgdata`, after taking the directory's lock. A query resolves once PGlite has written
 * its changes to the directory's files, so a committed job survives the process being killed.
 */
export async function openEmbeddedStore(directory: string): Promise<OutboxStore> {
  const { PGlite } = await loadPglite();
  const release = lockDirectory(directory);
  try {
    const pglite = await PGlite.create(join(directory, 'pgdata'));
    const db: SqlExecutor = {
      async executeSql(text, values) {
        // Parameterless SQL may hold several statements (pg-boss's migrations), which only exec runs.
        if (!values || values.length === 0) {
          const results = await pglite.exec(text);
          const last = results[results.length - 1];
          return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? 0 };
        }
        const result = await pglite.query(text, values);
        return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
      },
    };
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
