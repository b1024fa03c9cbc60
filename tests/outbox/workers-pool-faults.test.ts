// The workers' pool (pg-boss's statements, stats(), the pause) under a backend terminated the moment
// it says it is ready, at every point of an open and a stats() in turn: node-postgres then reads the
// readiness and the FATAL error in one chunk. The enqueue pool crashed the process so (an awaited
// connect() resumed after the error was emitted, with no listener: see enqueue-batch-faults); this
// pool runs each statement through pool.query, whose listener goes on as the connection is handed
// out. Each point ends in a result or a clean failure, never an uncaught error.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';
import { startTcpProxy } from './tcp-proxy';

describeWithPostgres('the workers pool when a backend is terminated as it becomes ready', () => {
  const schema = uniqueSchema('wpfault');
  const url = new URL(DATABASE_URL as string);
  let admin: pg.Pool;

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    // The queue exists: each open below only opens it.
    const outbox = await openRevocationOutbox({
      store: { connectionString: url.href },
      encryptionKeys: [KEY],
      schema,
    });
    await outbox.close();
  });
  afterAll(async () => {
    await admin.query(
      `DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_pause CASCADE`,
    );
    await admin.end();
  });

  /** Opens the queue through a proxy that terminates the backend at its `skip`-th readiness, reads stats(). */
  async function statsWithTermination(skip: number): Promise<{ fired: boolean; outcome: unknown }> {
    const proxy = await startTcpProxy(url.hostname, Number(url.port));
    let fired = false;
    void proxy.terminateWhenReady('I', skip).then(() => {
      fired = true;
    });
    const through = new URL(url.href);
    through.port = String(proxy.port);
    try {
      const outbox = await openRevocationOutbox({
        store: { connectionString: through.href, create: false },
        encryptionKeys: [KEY],
        schema,
      });
      try {
        return {
          fired,
          outcome: await outbox.stats().then(
            () => 'stats',
            (error: unknown) => error,
          ),
        };
      } finally {
        await outbox.close();
      }
    } catch (error) {
      return { fired, outcome: error };
    } finally {
      await proxy.close();
    }
  }

  test('every point of an open and a stats(): a result or a clean failure, no uncaught error', async () => {
    let points = 0;
    for (let skip = 0; ; skip++) {
      const { fired, outcome } = await statsWithTermination(skip);
      if (!fired) break; // past the last readiness of the run
      points++;
      // A connection lost during the open opens again; one lost by a statement is run again.
      expect(said(outcome)).toBe('stats');
    }
    expect(points).toBeGreaterThan(5);
  }, 120_000);
});

/** 'stats', or the error's message (for a readable failure). */
function said(outcome: unknown): unknown {
  return outcome === 'stats' ? outcome : String((outcome as Error | undefined)?.message ?? outcome);
}
