// Bad input to every method: an InputTypeError or InputRangeError (a TypeError or RangeError) with its
// code and the input it names, that never holds the token; and nothing stored.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createRevocationClient, InputRangeError, InputTypeError } from '../../src';
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

/** A message that starts with the input's name, or says it is an unknown option. */
function namesInput(input: string): RegExp {
  const name = input.replace(/[[\].]/g, '\\$&');
  return new RegExp(`^(${name} |Unknown option "${name}"$)`);
}

describe('openRevocationOutbox refuses bad options before touching any store', () => {
  const directory = mkdtempSync(join(tmpdir(), 'digilocker-outbox-input-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const store = { directory: join(directory, 'never-created') };
  const T = InputTypeError;
  const R = InputRangeError;
  // What is wrong, the options, the class of the error and the input it names (code: invalid_option).
  const cases: [string, unknown, typeof T | typeof R, string][] = [
    ['no options', undefined, T, 'options'],
    ['no store', { encryptionKeys: [KEY] }, T, 'store'],
    [
      'both stores',
      { store: { directory: 'x', connectionString: 'postgres://h/db' }, encryptionKeys: [KEY] },
      T,
      'store',
    ],
    ['an empty directory', { store: { directory: '' }, encryptionKeys: [KEY] }, R, 'store.directory'],
    [
      'a connection string that is not postgres',
      { store: { connectionString: 'mysql://h' }, encryptionKeys: [KEY] },
      T,
      'store.connectionString',
    ],
    ['keys that are not an array', { store, encryptionKeys: KEY }, T, 'encryptionKeys'],
    ['no keys', { store, encryptionKeys: [] }, R, 'encryptionKeys'],
    ['a short key', { store, encryptionKeys: ['c2hvcnQ='] }, R, 'encryptionKeys[0]'],
    ['a key of 31 bytes', { store, encryptionKeys: [KEY, new Uint8Array(31)] }, R, 'encryptionKeys[1]'],
    ['the same key twice', { store, encryptionKeys: [KEY, KEY] }, R, 'encryptionKeys'],
    ['a key that is a number', { store, encryptionKeys: [42] }, T, 'encryptionKeys[0]'],
    [
      'a placeholder key first (zeros)',
      { store, encryptionKeys: [new Uint8Array(32), KEY] },
      R,
      'encryptionKeys[0]',
    ],
    ['a placeholder key first (hex ff)', { store, encryptionKeys: ['f'.repeat(64)] }, R, 'encryptionKeys[0]'],
    ['concurrency 0', { store, encryptionKeys: [KEY], concurrency: 0 }, R, 'concurrency'],
    ['concurrency 1.5', { store, encryptionKeys: [KEY], concurrency: 1.5 }, R, 'concurrency'],
    ['concurrency as text', { store, encryptionKeys: [KEY], concurrency: '8' }, T, 'concurrency'],
    ['an unknown option', { store, encryptionKeys: [KEY], timeout: 5 }, T, 'timeout'],
    ['a bad schema', { store, encryptionKeys: [KEY], schema: 'x; drop table' }, R, 'schema'],
    [
      'a schema longer than pg-boss takes',
      { store, encryptionKeys: [KEY], schema: 's'.repeat(51) },
      R,
      'schema',
    ],
    ['a schema PostgreSQL reserves', { store, encryptionKeys: [KEY], schema: 'pg_toast' }, R, 'schema'],
    [
      "PostgreSQL's information_schema",
      { store, encryptionKeys: [KEY], schema: 'information_schema' },
      R,
      'schema',
    ],
    ['an empty schema', { store, encryptionKeys: [KEY], schema: '' }, R, 'schema'],
    [
      'a schema whose pause schema PostgreSQL reserves',
      { store, encryptionKeys: [KEY], schema: 'pg' },
      R,
      'schema',
    ],
    ["another queue's pause schema", { store, encryptionKeys: [KEY], schema: 'orders_pause' }, R, 'schema'],
    [
      'a schema release 0.1 is carried over from',
      { store, encryptionKeys: [KEY], schema: 'orders_v10' },
      R,
      'schema',
    ],
    ['a client that is not one', { store, encryptionKeys: [KEY], client: {} }, T, 'client'],
    ['onEvent not a function', { store, encryptionKeys: [KEY], onEvent: 'log' }, T, 'onEvent'],
    ['an empty credentialsId', { store, encryptionKeys: [KEY], credentialsId: '' }, R, 'credentialsId'],
    [
      'retry delays reversed',
      { store, encryptionKeys: [KEY], retry: { minDelaySeconds: 10, maxDelaySeconds: 5 } },
      R,
      'retry.maxDelaySeconds',
    ],
    [
      'an unknown retry option',
      { store, encryptionKeys: [KEY], retry: { minDelay: 1 } },
      T,
      'retry.minDelay',
    ],
    ['pollIntervalMs too small', { store, encryptionKeys: [KEY], pollIntervalMs: 1 }, R, 'pollIntervalMs'],
  ];
  test.each(cases)('%s', async (_, options, kind, input) => {
    const error = await rejection(openRevocationOutbox(options as RevocationOutboxOptions));
    expect(error).toBeInstanceOf(kind);
    expect(error).toMatchObject({ code: 'invalid_option', input });
    expect(error.message).toMatch(namesInput(input));
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

describe('a schema that is an SQL keyword (pg-boss writes it unquoted) is refused at open, before pg-boss', () => {
  test.each(['user', 'select', 'left'])(
    'on the embedded store: %s',
    async (schema) => {
      const directory = mkdtempSync(join(tmpdir(), 'digilocker-outbox-keyword-'));
      try {
        const error = await rejection(
          openRevocationOutbox({ store: { directory }, encryptionKeys: [KEY], schema }),
        );
        expect(error).toBeInstanceOf(InputRangeError);
        expect(error).toMatchObject({ code: 'invalid_option', input: 'schema' });
        expect(error.message).toBe('schema must not be an SQL keyword (pg-boss writes it unquoted)');
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
    60_000,
  );
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

  const T = InputTypeError;
  const R = InputRangeError;
  const tokenInput = 'invalid_token_input';
  const option = 'invalid_option';
  // What is wrong, the tokens, the options, and the class, code and input of the error.
  const badEnqueues: [string, unknown, unknown, typeof T | typeof R, string, string][] = [
    ['no tokens', undefined, {}, T, tokenInput, 'tokens'],
    ['an array', [TOKEN], {}, T, tokenInput, 'tokens'],
    ['an empty object', {}, {}, T, tokenInput, 'tokens'],
    ['a number token', { refreshToken: 42 }, {}, T, tokenInput, 'refreshToken'],
    ['an empty token', { accessToken: '' }, {}, R, tokenInput, 'accessToken'],
    ['a token too long', { refreshToken: `${TOKEN}${'x'.repeat(5000)}` }, {}, R, tokenInput, 'refreshToken'],
    ['a token with a newline', { refreshToken: `${TOKEN}\n` }, {}, R, tokenInput, 'refreshToken'],
    [
      'a bad access token beside a good refresh token',
      { refreshToken: 'ok', accessToken: `${TOKEN}\u0000` },
      {},
      R,
      tokenInput,
      'accessToken',
    ],
    ['options not an object', { refreshToken: TOKEN }, 'soon', T, option, 'options'],
    ['an unknown option', { refreshToken: TOKEN }, { expires: 1 }, T, option, 'expires'],
    [
      'expiresAt in the past',
      { refreshToken: TOKEN },
      { expiresAt: Date.now() - 1000 },
      R,
      option,
      'expiresAt',
    ],
    [
      'expiresAt an invalid date',
      { refreshToken: TOKEN },
      { expiresAt: new Date(Number.NaN) },
      T,
      option,
      'expiresAt',
    ],
    ['expiresAt as text', { refreshToken: TOKEN }, { expiresAt: '2030-01-01' }, T, option, 'expiresAt'],
    [
      'expiresAt too far',
      { refreshToken: TOKEN },
      { expiresAt: Date.now() + 400 * 86_400_000 },
      R,
      option,
      'expiresAt',
    ],
    ['a ref too long', { refreshToken: TOKEN }, { ref: 'r'.repeat(201) }, R, option, 'ref'],
    // A name cut in the middle of an emoji: PostgreSQL's JSON would refuse it, aborting the caller's transaction.
    ['a ref with half a surrogate pair', { refreshToken: TOKEN }, { ref: 'user-\uD83D' }, R, option, 'ref'],
    ['a ref with a newline', { refreshToken: TOKEN }, { ref: 'user\n1' }, R, option, 'ref'],
    [
      'a token with a trailing space',
      { refreshToken: `${TOKEN} ` },
      {},
      R,
      'invalid_token_input',
      'refreshToken',
    ],
    [
      'a token with a zero-width space',
      { accessToken: `\u200b${TOKEN}` },
      {},
      R,
      'invalid_token_input',
      'accessToken',
    ],
    ['a ref that is a number', { refreshToken: TOKEN }, { ref: 7 }, T, option, 'ref'],
    ['a db without query', { refreshToken: TOKEN }, { db: {} }, T, option, 'db'],
  ];
  test.each(badEnqueues)('enqueue: %s', async (_, tokens, options, kind, code, input) => {
    const error = await rejection(outbox.enqueue(tokens as never, options as never));
    expect(error).toBeInstanceOf(kind);
    expect(error).toMatchObject({ code, input });
    expect(error.message).toMatch(namesInput(input));
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
    expect(error).toBeInstanceOf(InputRangeError);
    expect(error).toMatchObject({ code: 'invalid_token_input', input: 'batch[1].refreshToken' });
    expect(error.message).toBe('batch[1].refreshToken must not contain control characters');
    const notArray = await rejection(outbox.enqueueBatch('tokens' as never));
    expect(notArray).toBeInstanceOf(InputTypeError);
    expect(notArray).toMatchObject({ code: 'invalid_token_input', input: 'batch' });
    expect(await outbox.stats()).toMatchObject({ queued: 0 });
  });

  test('drain: options and signal are checked', async () => {
    const refusedOptions = await rejection(outbox.drain(null as never));
    expect(refusedOptions).toBeInstanceOf(InputTypeError);
    expect(refusedOptions).toMatchObject({ code: 'invalid_option', input: 'drain options' });
    const refusedSignal = await rejection(outbox.drain({ signal: 'stop' as never }));
    expect(refusedSignal).toBeInstanceOf(InputTypeError);
    expect(refusedSignal).toMatchObject({ code: 'invalid_option', input: 'signal' });
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
