// A PostgreSQL server that stops answering (a network partition: connections stay open, no byte
// comes back), through a real TCP proxy: enqueue rejects within the query timeout, close() settles.
import pg from 'pg';
import { InputRangeError, InputTypeError } from '../../src';
import {
  EnqueueFailedError,
  OUTBOX_DEFAULTS,
  openRevocationOutbox,
  StoreTimeoutError,
} from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, within } from './support';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

describeWithPostgres('a PostgreSQL server that stops answering', () => {
  let mock: MockDigiLocker;
  let proxy: TcpProxy;
  const schema = uniqueSchema('hang');

  beforeAll(async () => {
    mock = await startMockDigiLocker();
    const url = new URL(DATABASE_URL as string);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
  });
  afterAll(async () => {
    await proxy.close();
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  test('the pool has bounded defaults', () => {
    expect(OUTBOX_DEFAULTS.connectTimeoutMs).toBeGreaterThan(0);
    expect(OUTBOX_DEFAULTS.queryTimeoutMs).toBeGreaterThan(0);
  });

  test('enqueue rejects with a StoreTimeoutError within the query timeout; close() settles', async () => {
    const url = new URL(DATABASE_URL as string);
    url.host = `127.0.0.1:${proxy.port}`;
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: url.toString(), connectTimeoutMs: 1000, queryTimeoutMs: 1500 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
    });
    await outbox.enqueueBatch(
      Array.from({ length: 5 }, () => ({ refreshToken: mock.issueTokens().refreshToken })),
    );
    outbox.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.blackhole();

    const startedAt = Date.now();
    const error = await within(outbox.enqueue({ refreshToken: mock.issueTokens().refreshToken }), 10_000);
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect((error as Error).message).toMatch(/did not answer within/);
    expect(Date.now() - startedAt).toBeLessThan(4000);

    expect(await within(outbox.close(), 15_000)).toBe('resolved');
  }, 40_000);

  test("enqueueBatch's transaction rejects within the query timeout too, not twice it (no ROLLBACK waited for), nothing committed", async () => {
    // A proxy of the test's own: the one above is blackholed for good by the test before.
    const url = new URL(DATABASE_URL as string);
    const own = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${own.port}`;
    const queryTimeoutMs = 2000;
    const outbox = await openRevocationOutbox({
      store: { connectionString: url.toString(), connectTimeoutMs: 1000, queryTimeoutMs },
      encryptionKeys: [KEY],
      schema,
    });
    try {
      // The enqueue pool's connection is open (and idle) when the network stops answering.
      await outbox.enqueueBatch([{ refreshToken: mock.issueTokens().refreshToken }]);
      own.blackhole();
      const startedAt = Date.now();
      const error = await within(
        outbox.enqueueBatch(
          Array.from({ length: 3 }, () => ({ refreshToken: mock.issueTokens().refreshToken })),
        ),
        10_000,
      );
      // Unanswered before its COMMIT was sent, the transaction cannot have committed.
      expect(error).toBeInstanceOf(EnqueueFailedError);
      expect(error).toMatchObject({ code: 'enqueue_failed', committed: false });
      expect((error as Error).message).toMatch(
        /^enqueueBatch: nothing was committed: PostgreSQL at .* did not answer within 2000 ms \(store\.queryTimeoutMs\) before COMMIT was sent/,
      );
      // One bound: the connection is destroyed, where a ROLLBACK sent on it waited a second bound.
      expect(Date.now() - startedAt).toBeLessThan(1.5 * queryTimeoutMs);
    } finally {
      await within(outbox.close(), 15_000);
      await own.close();
    }
  }, 40_000);

  test('opening through a server that never answers fails within the connect timeout', async () => {
    const url = new URL(DATABASE_URL as string);
    url.host = `127.0.0.1:${proxy.port}`;
    const startedAt = Date.now();
    const error = await within(
      openRevocationOutbox({
        store: { connectionString: url.toString(), connectTimeoutMs: 500 },
        encryptionKeys: [KEY],
        schema,
      }),
      10_000,
    );
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });

  test('unknown store options are refused; timeouts are validated', async () => {
    const open = (store: object) => openRevocationOutbox({ store: store as never, encryptionKeys: [KEY] });
    const refusals: [object, typeof InputTypeError | typeof InputRangeError, string][] = [
      [{ connectionString: 'postgres://x/y', queryTimeout: 5 }, InputTypeError, 'store.queryTimeout'],
      [{ connectionString: 'postgres://x/y', queryTimeoutMs: 0 }, InputRangeError, 'store.queryTimeoutMs'],
      [
        { connectionString: 'postgres://x/y', connectTimeoutMs: 1.5 },
        InputRangeError,
        'store.connectTimeoutMs',
      ],
      // The embedded store has a query timeout of its own (its worker thread's deadline), no pool.
      [{ directory: '/tmp/x', maxConnections: 5 }, InputTypeError, 'store.maxConnections'],
      [{ directory: '/tmp/x', queryTimeoutMs: 99 }, InputRangeError, 'store.queryTimeoutMs'],
    ];
    for (const [store, kind, input] of refusals) {
      const error = await open(store).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(kind);
      expect(error).toMatchObject({ code: 'invalid_option', input });
    }
  });
});
