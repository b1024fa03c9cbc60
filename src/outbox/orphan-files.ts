import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OutboxStore } from './store';

/**
 * Embedded store, at open (this process holds the directory, and pg-boss has not started): removes the
 * files of relations that no longer exist, and resolves with how many. A process killed during the
 * compaction at close (`VACUUM FULL`, which writes the job table anew) leaves that unfinished copy
 * behind, and PostgreSQL's recovery does not remove it: each such kill would keep a copy of the job
 * table, ciphertext included, and its disk space, for good.
 *
 * A file of the database's directory is an orphan when its name starts with the number of a relation
 * file (`16789`, `16789_fsm`, `16789.1`) that no relation of the catalog uses, among the numbers of
 * relations made after `initdb` (16384 and up); any other file (`PG_VERSION`, `pg_filenode.map`) is
 * left alone. Reads PostgreSQL's catalog only.
 */
export async function removeOrphanFiles(store: OutboxStore): Promise<number> {
  const database = await store.db.executeSql(
    'SELECT oid::text AS oid FROM pg_database WHERE datname = current_database()',
  );
  const used = await store.db.executeSql(
    'SELECT pg_relation_filenode(oid)::text AS node FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL',
  );
  const nodes = new Set(used.rows.map((row: { node: string }) => row.node));
  const folder = join(store.location, 'pgdata', 'base', String(database.rows[0]?.oid));
  let removed = 0;
  for (const name of readdirSync(folder)) {
    const node = /^(\d+)(?:_[a-z]+)?(?:\.\d+)?$/.exec(name)?.[1];
    if (node === undefined || Number(node) < FIRST_USER_RELATION || nodes.has(node)) continue;
    rmSync(join(folder, name), { force: true });
    removed++;
  }
  return removed;
}

/** PostgreSQL's FirstNormalObjectId: relation files below it belong to the catalog as initdb made it. */
const FIRST_USER_RELATION = 16384;
