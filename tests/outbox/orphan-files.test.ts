// A process killed during the compaction at close (VACUUM FULL writes the job table anew) leaves that
// unfinished copy in the store's files, which PostgreSQL's recovery does not remove: the next open
// removes every file of a relation the catalog no longer has, and leaves the store's own files alone.
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openRevocationOutbox } from '../../src/outbox';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { KEY, scratchDirectory } from './support';

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

test("the next open removes the files of relations that no longer exist, and nothing of the store's own", async () => {
  const directory = join(scratch.path, 'store');
  const open = () =>
    openRevocationOutbox({ store: { directory, unsafeSkipFsync: true }, encryptionKeys: [KEY] });
  let outbox = await open();
  await outbox.enqueueBatch(Array.from({ length: 50 }, (_, i) => ({ refreshToken: `orphan-test-${i}` })));
  await outbox.close();

  // Where the database's files are, and the job table's file: what a killed VACUUM FULL copies.
  const store = await openEmbeddedStore({ directory });
  const { rows } = await store.db.executeSql(
    `SELECT (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS db,
            pg_relation_filenode((SELECT tableoid FROM digilocker_outbox.job LIMIT 1))::text AS job`,
  );
  await store.close();
  const { db, job } = rows[0] as { db: string; job: string };
  const folder = join(directory, 'pgdata', 'base', db);
  const before = readdirSync(folder).sort();
  const orphans = ['900001', '900001_fsm', '900001.1', '900002_vm'];
  for (const orphan of orphans) copyFileSync(join(folder, job), join(folder, orphan));

  outbox = await open();
  try {
    expect(readdirSync(folder).sort()).toEqual(before);
    expect((await outbox.stats()).queued).toBe(50);
  } finally {
    await outbox.close();
  }
}, 120_000);
