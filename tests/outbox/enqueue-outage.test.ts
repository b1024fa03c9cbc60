// enqueue while the PostgreSQL server cannot be reached (its port closed: connections refused): the
// call fails with EnqueueFailedError, committed: false, not with the socket's raw ECONNREFUSED; while
// the server comes and goes, every enqueue that resolved is in the queue and every one that failed
// says what was committed.
import pg from 'pg';
import { EnqueueFailedError, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

describeWithPostgres('enqueue during an outage', () => {
  const schema = uniqueSchema('outage');
  const target = new URL(DATABASE_URL ?? 'postgres://unset');
  let proxy: TcpProxy;
  let outbox: RevocationOutbox;
  let admin: pg.Pool;

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  });
  beforeEach(async () => {
    proxy = await startTcpProxy(target.hostname, Number(target.port));
    const url = new URL(target.href);
    url.port = String(proxy.port);
    outbox = await openRevocationOutbox({
      store: { connectionString: url.href, connectTimeoutMs: 2000 },
      encryptionKeys: [KEY],
      schema,
    });
  });
  afterEach(async () => {
    await outbox.close().catch(() => {});
    await proxy.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
  });
  afterAll(() => admin.end());

  const jobIds = async () =>
    new Set(
      (await admin.query(`SELECT id::text FROM ${schema}.job`)).rows.map((row: { id: string }) => row.id),
    );

  test('a refused connection: EnqueueFailedError, committed: false, and nothing is stored', async () => {
    const first = await outbox.enqueue({ refreshToken: 'r-1' });
    await proxy.close();
    // The pools drop their idle connections, now closed: the next statement needs a new one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const attempt of [
      outbox.enqueue({ refreshToken: 'r-2' }),
      outbox.enqueueBatch([{ refreshToken: 'r-3' }, { refreshToken: 'r-4' }]),
    ]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnqueueFailedError);
      expect(error).toMatchObject({
        code: 'enqueue_failed',
        committed: false,
        message: expect.stringContaining(
          'nothing was committed: no connection to the database could be made (ECONNREFUSED',
        ),
        cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
      });
    }
    expect(await jobIds()).toEqual(new Set([first.id]));
  });

  test('while the server goes away and comes back, each enqueue resolves committed or says what was', async () => {
    const resolved: string[] = [];
    const failures: unknown[] = [];
    let stop = false;
    let n = 0;
    const loop = async () => {
      while (!stop)
        await outbox.enqueue({ refreshToken: `r-${n++}` }).then(
          (job) => resolved.push(job.id),
          (error: unknown) => failures.push(error),
        );
    };
    const loops = Array.from({ length: 8 }, loop);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await pause(300);
    await proxy.close();
    await pause(700);
    proxy = await startTcpProxy(target.hostname, Number(target.port), proxy.port);
    await pause(700);
    stop = true;
    await Promise.all(loops);

    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(EnqueueFailedError);
      expect([false, 'unknown']).toContain((failure as EnqueueFailedError).committed);
    }
    expect(failures.some((failure) => (failure as EnqueueFailedError).committed === false)).toBe(true);
    const stored = await jobIds();
    expect(resolved.filter((id) => !stored.has(id))).toEqual([]);
    expect(resolved.length).toBeGreaterThan(0);
  }, 30_000);
});
