// The embedded store's worker thread (pglite-thread.ts), driven from the main thread: a call that
// cannot be sent to it leaves nothing behind.
import { join } from 'node:path';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { scratchDirectory } from './support';

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

test('a call whose values cannot be sent to the thread rejects, and leaves no deadline to fail the store', async () => {
  const queryTimeoutMs = 1000;
  const store = await openEmbeddedStore({ directory: join(scratch.path, 'uncloneable'), queryTimeoutMs });
  try {
    for (const value of [() => 1, Symbol('s')]) {
      const error = await store.db.executeSql('SELECT $1::text AS x', [value]).catch((reason) => reason);
      expect(error).toMatchObject({ name: 'DataCloneError' });
    }
    // Past the deadline the calls above had: the store still works.
    await new Promise((resolve) => setTimeout(resolve, queryTimeoutMs + 500));
    await expect(store.db.executeSql('SELECT $1::text AS x', ['ok'])).resolves.toMatchObject({
      rows: [{ x: 'ok' }],
    });
  } finally {
    await store.close();
  }
}, 60_000);
