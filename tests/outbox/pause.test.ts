// How often ClusterPause (src/outbox/pause.ts) reads its table. Shared by instances, it is read before
// every request; with a sole writer (the embedded store, held by one process), the last answer is kept
// until this instance writes or a rate-limit pause's time is up. A fake table stands for the database:
// the statements' rules themselves are tested on PostgreSQL (cluster-pause.test.ts).
import { ClusterPause } from '../../src/outbox/pause';
import type { SqlExecutor } from '../../src/outbox/store';

/**
 * A pause table of one row at most, read as pause.ts's SELECT does (a rate-limit pause whose time is up
 * is not in effect); counts the reads; `hold()` keeps the reads from answering until released.
 */
function tableOf() {
  let row: { reason: string; until: Date | null; since: Date } | undefined;
  let held: Promise<void> | undefined;
  const table = {
    reads: 0,
    hold() {
      let release = () => {};
      held = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    db: {
      async executeSql(text: string, values?: unknown[]) {
        if (text.startsWith('SELECT')) {
          table.reads++;
          const inEffect = row && !(row.until && row.until.getTime() <= Date.now());
          // Every instance of these tests has the same (no) credentialsId: the pause holds each.
          const answer = inEffect ? [{ ...row, holds: true }] : [];
          await held;
          return { rows: answer };
        }
        if (text.includes("'rate_limited'"))
          row = {
            reason: 'rate_limited',
            until: new Date(Date.now() + Number(values?.[0])),
            since: new Date(),
          };
        else if (text.includes("'invalid_client'"))
          row = { reason: 'invalid_client', until: null, since: new Date() };
        else row = undefined;
        return { rows: [{ n: 1 }] };
      },
    } satisfies SqlExecutor,
  };
  return table;
}

test('with a sole writer, the answer is read once and kept until this instance writes', async () => {
  const table = tableOf();
  const pause = new ClusterPause(table.db, 'q', undefined, true);
  expect(await pause.current()).toBeUndefined();
  expect(await pause.current()).toBeUndefined();
  expect(table.reads).toBe(1);

  await pause.credentialsRefused();
  expect(await pause.current()).toMatchObject({ reason: 'invalid_client' });
  expect(await pause.current()).toMatchObject({ reason: 'invalid_client' });
  expect(table.reads).toBe(2);

  await pause.resume();
  expect(await pause.current()).toBeUndefined();
  expect(table.reads).toBe(3);
});

test('with a sole writer, a rate-limit pause is read again once its time is up', async () => {
  const table = tableOf();
  const pause = new ClusterPause(table.db, 'q', undefined, true);
  await pause.rateLimited(60);
  expect(await pause.current()).toMatchObject({ reason: 'rate_limited' });
  expect(await pause.current()).toMatchObject({ reason: 'rate_limited' });
  expect(table.reads).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect(await pause.current()).toBeUndefined();
  expect(table.reads).toBe(2);
});

test('with a sole writer, a read that a write overtook is not kept', async () => {
  const table = tableOf();
  const pause = new ClusterPause(table.db, 'q', undefined, true);
  const release = table.hold();
  const before = pause.current(); // reads the table before the write...
  await pause.credentialsRefused();
  release(); // ...and answers after it
  expect(await before).toBeUndefined();
  expect(await pause.current()).toMatchObject({ reason: 'invalid_client' });
  expect(table.reads).toBe(2);
});

test('with a sole writer, a look while this instance writes reads the table', async () => {
  const table = tableOf();
  const pause = new ClusterPause(table.db, 'q', undefined, true);
  expect(await pause.current()).toBeUndefined();
  const writing = pause.credentialsRefused();
  expect(await pause.current()).toMatchObject({ reason: 'invalid_client' });
  await writing;
  expect(table.reads).toBe(2);
});

test('shared with other instances, every look reads the table (concurrent looks share one read)', async () => {
  const table = tableOf();
  const pause = new ClusterPause(table.db, 'q', undefined);
  await Promise.all([pause.current(), pause.current(), pause.current()]);
  expect(table.reads).toBe(1);
  await pause.current();
  await pause.current();
  expect(table.reads).toBe(3);
});
