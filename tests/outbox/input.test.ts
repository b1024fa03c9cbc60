// Bad input to every method: a TypeError or RangeError that never holds the token, and nothing stored.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createRevocationClient } from '../../src';
import {
  OutboxStateError,
  openRevocationOutbox,
  type RevocationOutbox,
  type RevocationOutboxOptions,
} from '../../src/outbox';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const TOKEN = 'CANARY-input-token-7f3a+/=';
const client = createRevocationClient({
  baseUrl: 'http://127.0.0.1:9/public',
  credentials: { clientId: 'id', clientSecret: 'secret' },
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('openRevocationOutbox refuses bad options before touching any store', () => {
  const directory = mkdtempSync(join(tmpdir(), 'digilocker-outbox-input-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const store = { directory: join(directory, 'never-created') };
  const cases: [string, unknown, typeof TypeError | typeof RangeError][] = [
    ['no options', undefined, TypeError],
    ['no store', { encryptionKeys: [KEY] }, TypeError],
    [
      'both stores',
      { store: { directory: 'x', connectionString: 'postgres://h/db' }, encryptionKeys: [KEY] },
      TypeError,
    ],
    [
      'a connection string that is not postgres',
      { store: { connectionString: 'mysql://h' }, encryptionKeys: [KEY] },
      TypeError,
    ],
    ['no keys', { store, encryptionKeys: [] }, TypeError],
    ['a short key', { store, encryptionKeys: ['c2hvcnQ='] }, RangeError],
    ['a key of 31 bytes', { store, encryptionKeys: [new Uint8Array(31)] }, RangeError],
    ['the same key twice', { store, encryptionKeys: [KEY, KEY] }, RangeError],
    ['a key that is a number', { store, encryptionKeys: [42] }, TypeError],
    ['concurrency 0', { store, encryptionKeys: [KEY], concurrency: 0 }, RangeError],
    ['concurrency 1.5', { store, encryptionKeys: [KEY], concurrency: 1.5 }, TypeError],
    ['an unknown option', { store, encryptionKeys: [KEY], timeout: 5 }, TypeError],
    ['a bad schema', { store, encryptionKeys: [KEY], schema: 'x; drop table' }, RangeError],
    ['a client that is not one', { store, encryptionKeys: [KEY], client: {} }, TypeError],
    ['onEvent not a function', { store, encryptionKeys: [KEY], onEvent: 'log' }, TypeError],
    [
      'retry delays reversed',
      { store, encryptionKeys: [KEY], retry: { minDelaySeconds: 10, maxDelaySeconds: 5 } },
      RangeError,
    ],
    ['pollIntervalMs too small', { store, encryptionKeys: [KEY], pollIntervalMs: 1 }, RangeError],
  ];
  test.each(cases)('%s', async (_, options, kind) => {
    const error = await rejection(openRevocationOutbox(options as RevocationOutboxOptions));
    expect(error).toBeInstanceOf(kind);
    expect(readdirSync(directory)).toEqual([]);
  });

  test('a key in the options is never repeated in the message', async () => {
    const almostKey = `${KEY.slice(0, 40)}!!!=`;
    const error = await rejection(openRevocationOutbox({ store, encryptionKeys: [almostKey] }));
    expect(error.message).toBe(
      'encryptionKeys[0] must be 32 bytes as base64 (44 characters) or hex (64 characters)',
    );
  });
});

describeWithPostgres('the methods of an open outbox refuse bad input and store nothing', () => {
  let outbox: RevocationOutbox;
  const schema = uniqueSchema('input');
  beforeAll(async () => {
    outbox = await openRevocationOutbox({
      client,
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema,
    });
  });
  afterAll(async () => {
    await outbox.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  const badEnqueues: [string, unknown, unknown, typeof TypeError | typeof RangeError][] = [
    ['no tokens', undefined, {}, TypeError],
    ['an array', [TOKEN], {}, TypeError],
    ['an empty object', {}, {}, TypeError],
    ['a number token', { refreshToken: 42 }, {}, TypeError],
    ['an empty token', { accessToken: '' }, {}, RangeError],
    ['a token too long', { refreshToken: `${TOKEN}${'x'.repeat(5000)}` }, {}, RangeError],
    ['a token with a newline', { refreshToken: `${TOKEN}\n` }, {}, RangeError],
    [
      'a bad access token beside a good refresh token',
      { refreshToken: 'ok', accessToken: `${TOKEN}\u0000` },
      {},
      RangeError,
    ],
    ['options not an object', { refreshToken: TOKEN }, 'soon', TypeError],
    ['an unknown option', { refreshToken: TOKEN }, { expires: 1 }, TypeError],
    ['expiresAt in the past', { refreshToken: TOKEN }, { expiresAt: Date.now() - 1000 }, RangeError],
    ['expiresAt an invalid date', { refreshToken: TOKEN }, { expiresAt: new Date(Number.NaN) }, TypeError],
    ['expiresAt as text', { refreshToken: TOKEN }, { expiresAt: '2030-01-01' }, TypeError],
    ['expiresAt too far', { refreshToken: TOKEN }, { expiresAt: Date.now() + 400 * 86_400_000 }, RangeError],
    ['a ref too long', { refreshToken: TOKEN }, { ref: 'r'.repeat(201) }, TypeError],
    ['a db without query', { refreshToken: TOKEN }, { db: {} }, TypeError],
  ];
  test.each(badEnqueues)('enqueue: %s', async (_, tokens, options, kind) => {
    const error = await rejection(outbox.enqueue(tokens as never, options as never));
    expect(error).toBeInstanceOf(kind);
    expect(`${error.message} ${error.stack}`).not.toContain(TOKEN);
    expect(await outbox.stats()).toMatchObject({ queued: 0 });
  });

  test('enqueue and enqueueBatch ignore an idToken, as signOut does, and store nothing of it; both resolve the same shape', async () => {
    const idToken = `${TOKEN}-id-token`;
    const one = await outbox.enqueue({ refreshToken: 'r1', idToken } as never);
    const [other] = await outbox.enqueueBatch([{ refreshToken: 'r2', idToken } as never]);
    for (const job of [one, other])
      expect(job).toEqual({
        id: expect.any(String),
        fingerprints: { refreshToken: expect.any(String) },
        expiresAt: expect.any(Date),
      });
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    try {
      const { rows } = await pool.query(`SELECT data->'fp' AS fp FROM ${schema}.job`);
      expect(rows.map((row) => Object.keys(row.fp))).toEqual([['refreshToken'], ['refreshToken']]);
      // Leaves the queue empty for the other tests.
      expect((await pool.query(`DELETE FROM ${schema}.job`)).rowCount).toBe(2);
    } finally {
      await pool.end();
    }
  });

  test('enqueueBatch: one bad sign-out refuses the whole batch, naming its position only', async () => {
    const error = await rejection(
      outbox.enqueueBatch([{ refreshToken: 'fine' }, { refreshToken: `${TOKEN}\t` }]),
    );
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('[1] refreshToken must not contain control characters');
    expect(await rejection(outbox.enqueueBatch('tokens' as never))).toBeInstanceOf(TypeError);
    expect(await outbox.stats()).toMatchObject({ queued: 0 });
  });

  test('drain: options and signal are checked', async () => {
    expect(await rejection(outbox.drain(null as never))).toBeInstanceOf(TypeError);
    expect(await rejection(outbox.drain({ signal: 'stop' as never }))).toBeInstanceOf(TypeError);
  });

  test('drain: an aborted signal rejects with its reason', async () => {
    const reason = new Error('enough');
    await outbox.enqueue({ refreshToken: 'a-token-for-an-unreachable-server' });
    expect(await rejection(outbox.drain({ signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  test('workers need a client; a closed outbox refuses everything', async () => {
    const noClient = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema,
    });
    expect(() => noClient.start()).toThrow(OutboxStateError);
    expect(await rejection(noClient.drain())).toMatchObject({ code: 'no_client' });
    await noClient.close();
    await noClient.close(); // twice is fine
    expect(await rejection(noClient.enqueue({ refreshToken: 'x' }))).toMatchObject({ code: 'closed' });
    expect(await rejection(noClient.stats())).toMatchObject({ code: 'closed' });
  });
});
