// The embedded store runs pg-boss 12's maintenance cleanly: pg-boss on the store's PGlite (through
// pg-boss's own fromPglite adapter) works jobs across several maintenance and monitor cycles, shortened
// to a second, with no error event (an adapter that returned only the last statement's rows made
// pg-boss report missing result rows here).
import { loadPgBoss } from '../../src/outbox/load';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { scratchDirectory } from './support';

test('pg-boss on the embedded store: several maintenance cycles, no error event', async () => {
  const scratch = scratchDirectory();
  const store = await openEmbeddedStore({ directory: scratch.path });
  const { PgBoss } = await loadPgBoss();
  const boss = new PgBoss({
    db: store.db,
    backend: 'pglite',
    schema: 'maintenance_test',
    schedule: false,
    maintenanceIntervalSeconds: 1,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    queueCacheIntervalSeconds: 1,
  });
  const errors: Error[] = [];
  boss.on('error', (error) => errors.push(error));
  try {
    await boss.start();
    await boss.createQueue('q', { retryLimit: 1, retryDelay: 1, expireInSeconds: 1 });
    const done: string[] = [];
    await boss.work('q', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      done.push((job as { id: string }).id);
    });
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      ids.push((await boss.send('q', { round })) as string);
      await new Promise((resolve) => setTimeout(resolve, 1200));
    }
    expect(done.sort()).toEqual(ids.sort());
    expect(errors.map((error) => error.message)).toEqual([]);
  } finally {
    await boss.stop({ graceful: false });
    await store.close();
    scratch.remove();
  }
}, 60_000);
