// Opening a PostgreSQL store that cannot be opened: each failure is an error with a `code` that names
// the server (never its password), the cause and the next step, not the driver's raw message.
import { InputRangeError, InputTypeError } from '../../src';
import { openRevocationOutbox, StoreUnavailableError } from '../../src/outbox';
import { DATABASE_URL, describeWithPostgres, KEY } from './support';

const open = (connectionString: string, connectTimeoutMs = 5000) =>
  openRevocationOutbox({ store: { connectionString, connectTimeoutMs }, encryptionKeys: [KEY] });

async function failure(connectionString: string, connectTimeoutMs?: number): Promise<StoreUnavailableError> {
  const error = await open(connectionString, connectTimeoutMs).then(
    () => {
      throw new Error('opened');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  return error as StoreUnavailableError;
}

describe('opening a PostgreSQL store that is not there', () => {
  // A refused connection may be a server restarting: tried again for up to connectTimeoutMs.
  test('no server at that port: store_unreachable, redacted, with the next step', async () => {
    const startedAt = Date.now();
    const error = await failure('postgres://app:pa%24%24word-9@127.0.0.1:1/app', 1000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(500);
    expect(error.code).toBe('store_unreachable');
    expect(error.message).toMatch(/^Cannot open the PostgreSQL store at postgres:\/\/127\.0\.0\.1:1\/app: /);
    expect(error.message).toMatch(/Check the host and port/);
    expect(`${error.message}${error.stack}`).not.toMatch(/pa\$\$word|pa%24%24word/);
  });

  test('an empty host says that localhost was tried', async () => {
    const error = await failure('postgres:///app?port=1', 1000);
    expect(error.code).toBe('store_unreachable');
    expect(error.message).toMatch(/names no host, so localhost was tried/);
  });

  test('an unknown host: store_unreachable', async () => {
    const error = await failure('postgres://app@no-such-host.invalid/app');
    expect(error.code).toBe('store_unreachable');
    expect(error.message).toContain('postgres://no-such-host.invalid/app');
  });

  test('a connection string that is not a URL is refused without echoing it', async () => {
    const error = await open('postgres://app:p@ss:w0rd@:5432/app').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(InputTypeError);
    expect(error).toMatchObject({ code: 'invalid_option', input: 'store.connectionString' });
    expect((error as Error).message).toMatch(/not a valid URL \(not shown/);
    expect((error as Error).message).not.toContain('w0rd');
  });
});

describe('the pool options', () => {
  const openWith = (store: object) =>
    openRevocationOutbox({ store: { connectionString: 'postgres://x/y', ...store }, encryptionKeys: [KEY] });

  test('enqueueConnections and maxWaiting are validated before any connection', async () => {
    const cases: [object, typeof InputTypeError | typeof InputRangeError, string, string][] = [
      [
        { enqueueConnections: 0 },
        InputRangeError,
        'store.enqueueConnections',
        'must be an integer from 1 to 1000',
      ],
      [
        { enqueueConnections: 2.5 },
        InputRangeError,
        'store.enqueueConnections',
        'must be an integer from 1 to 1000',
      ],
      [{ maxWaiting: -1 }, InputRangeError, 'store.maxWaiting', 'must be an integer from 0 to 1000000'],
      [{ maxWaiting: '5' }, InputTypeError, 'store.maxWaiting', 'must be a number'],
    ];
    for (const [store, kind, input, reason] of cases) {
      const error = await openWith(store).catch((rejected: unknown) => rejected);
      expect(error).toBeInstanceOf(kind);
      expect(error).toMatchObject({ code: 'invalid_option', input, message: `${input} ${reason}` });
    }
    await expect(openWith({ maxWaitingCalls: 5 })).rejects.toMatchObject({
      code: 'invalid_option',
      input: 'store.maxWaitingCalls',
      message: 'Unknown option "store.maxWaitingCalls"',
    });
  });
});

describeWithPostgres('opening a PostgreSQL store that refuses', () => {
  const server = () => new URL(DATABASE_URL as string);

  test('an unknown role: store_auth_failed', async () => {
    const url = server();
    url.username = 'nobody_here';
    url.password = 'hunter2-secret';
    const error = await failure(url.toString());
    expect(error.code).toBe('store_auth_failed');
    expect(error.message).toMatch(/Check the user and password/);
    expect(`${error.message}${error.stack}`).not.toContain('hunter2-secret');
  });

  test('a missing database: store_database_missing', async () => {
    const url = server();
    url.pathname = '/no_such_database';
    const error = await failure(url.toString());
    expect(error.code).toBe('store_database_missing');
    expect(error.message).toMatch(/the database does not exist .*CREATE DATABASE/);
  });

  test('a setting the server refuses: store_refused, with the server message', async () => {
    const url = server();
    url.searchParams.set('options', '-c no_such.setting_x=1 -c bogus=1');
    const error = await failure(url.toString());
    expect(error.code).toBe('store_refused');
    expect(error.message).toMatch(/SQLSTATE 42704.*bogus/);
  });
});
