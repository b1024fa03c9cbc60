// An outbox opened without encryptionKeys, for an operator who does not hold them: on a store whose
// jobs were sealed with a key, stats(), resume(), jobsByKey(), retryDead(), purgeDead() and purgeKey()
// work; enqueue, enqueueBatch, start() and drain(), which encrypt or decrypt, are refused with an
// OutboxStateError (`no_keys`) before any statement, naming the option, never a token or a key. An
// empty list of keys is still refused at open. Embedded and PostgreSQL.
import pg from 'pg';
import {
  type OutboxEvent,
  OutboxStateError,
  openRevocationOutbox,
  PausedForCredentialsError,
  type RevocationOutbox,
  type RevocationOutboxOptions,
} from '../../src/outbox';
import { importKeys } from '../../src/outbox/crypto';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { freshDirectory } from './child-harness';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, within } from './support';
import { startTcpProxy } from './tcp-proxy';

let mock: MockDigiLocker;
beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(() => mock.close());

type Store = RevocationOutboxOptions['store'];

/**
 * Seals three jobs with KEY: one ends dead (DigiLocker refuses it for good), then a drain with a wrong
 * client secret pauses the queue for refused credentials, the other two left waiting.
 */
async function seed(store: Store, schema: string): Promise<void> {
  const open = (secret: string) =>
    openRevocationOutbox({
      client: clientOf(mock, { credentials: { clientId: mock.clientId, clientSecret: secret } }),
      store,
      schema,
      encryptionKeys: [KEY],
      pollIntervalMs: 200,
    });
  const working = await open(mock.clientSecret);
  try {
    await working.enqueue({ refreshToken: mock.issueTokens().refreshToken });
    mock.inject({ type: 'status', status: 400, body: '{"error":"invalid_request"}' });
    expect(await working.drain()).toMatchObject({ dead: 1 });
  } finally {
    await working.close();
  }
  const refused = await open('wrong-secret');
  try {
    await refused.enqueueBatch([1, 2].map(() => ({ refreshToken: mock.issueTokens().refreshToken })));
    await expect(refused.drain()).rejects.toBeInstanceOf(PausedForCredentialsError);
  } finally {
    await refused.close();
  }
}

/** The administration an operator without the keys does, and the calls refused to them. */
function administrationTests(store: () => Store, schema: () => string): void {
  test('stats, jobsByKey, resume, retryDead, purgeDead and purgeKey work; enqueue, start and drain are refused', async () => {
    await seed(store(), schema());
    const events: OutboxEvent[] = [];
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: store(),
      schema: schema(),
      onEvent: (event) => events.push(event),
    });
    try {
      const keyId = ((await importKeys([KEY]))[0] as { id: string }).id;
      const before = await outbox.stats();
      expect(before).toMatchObject({ dead: 1, pause: { reason: 'invalid_client' } });
      expect(before.queued + before.retrying).toBe(2);
      expect(await outbox.jobsByKey()).toEqual([{ keyId, held: null, waiting: 2, running: 0, dead: 1 }]);

      const token = mock.issueTokens().refreshToken;
      const requests = mock.stats.revokeRequests;
      for (const [name, call] of [
        ['enqueue', () => outbox.enqueue({ refreshToken: token })],
        ['enqueueBatch', () => outbox.enqueueBatch([{ refreshToken: token }])],
        ['drain', () => outbox.drain()],
        [
          'start',
          async () => {
            outbox.start();
          },
        ],
      ] as const) {
        const error = await call().catch((reason: unknown) => reason);
        expect(error).toBeInstanceOf(OutboxStateError);
        expect(error).toMatchObject({
          code: 'no_keys',
          message: expect.stringMatching(
            new RegExp(
              `^${name}: this outbox was opened without encryptionKeys .*give openRevocationOutbox encryptionKeys`,
            ),
          ),
        });
        expect((error as Error).message).not.toContain(token);
        expect((error as Error).message).not.toContain(KEY);
      }
      expect(mock.stats.revokeRequests).toBe(requests);
      expect(await outbox.stats()).toEqual(before);
      expect(JSON.stringify(events)).not.toContain(token);
      expect(JSON.stringify(events)).not.toContain(KEY);

      expect(await outbox.resume()).toBe(true);
      expect((await outbox.stats()).pause).toBeNull();
      expect(await outbox.retryDead()).toBe(1);
      expect(await outbox.purgeDead()).toBe(0);
      expect(await outbox.jobsByKey()).toEqual([{ keyId, held: null, waiting: 3, running: 0, dead: 0 }]);
      expect(await outbox.purgeKey(keyId)).toBe(3);
      expect(await outbox.stats()).toMatchObject({ queued: 0, retrying: 0, running: 0, dead: 0 });
    } finally {
      await outbox.close();
    }
  }, 120_000);

  test('an empty list of keys is still refused at open, saying how to open without keys', async () => {
    const error = await openRevocationOutbox({ store: store(), schema: schema(), encryptionKeys: [] }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({
      code: 'invalid_option',
      input: 'encryptionKeys',
      message: expect.stringContaining('leave it out to open the outbox for administration only'),
    });
  });

  test('keys given as undefined (an unset variable) are refused at open, not taken for no keys', async () => {
    const unset = process.env.DIGILOCKER_TEST_UNSET_KEYS_VARIABLE;
    const error = await openRevocationOutbox({
      store: store(),
      schema: schema(),
      encryptionKeys: unset?.split(',') as string[],
    }).then(
      async (outbox) => outbox.close(), // opened by mistake: closed, so that the failure shows
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: 'invalid_option', input: 'encryptionKeys' });
  });
}

describe('embedded store', () => {
  let directory: { path: string; remove: () => void };
  beforeEach(async () => {
    directory = await freshDirectory();
  }, 120_000);
  afterEach(() => directory.remove());

  administrationTests(
    () => ({ directory: directory.path, unsafeSkipFsync: true }),
    () => 'digilocker_outbox',
  );
});

describeWithPostgres('PostgreSQL store', () => {
  let schema: string;
  beforeEach(() => {
    schema = uniqueSchema('nokeys');
  });
  afterEach(async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });

  administrationTests(
    () => ({ connectionString: DATABASE_URL as string }),
    () => schema,
  );

  test('enqueue, enqueueBatch and drain are refused before any statement: the server is out of reach', async () => {
    const url = new URL(DATABASE_URL as string);
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    const through = new URL(url.href);
    through.host = `127.0.0.1:${proxy.port}`;
    let outbox: RevocationOutbox | undefined;
    try {
      outbox = await openRevocationOutbox({
        client: clientOf(mock),
        store: { connectionString: through.href, connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 },
        schema,
      });
      const opened = outbox;
      // From now on a statement would wait for its deadline (5 s) and fail with a store error.
      proxy.blackhole();
      for (const call of [
        () => opened.enqueue({ refreshToken: 'a-refresh-token-0123456789' }),
        () => opened.enqueueBatch([{ refreshToken: 'a-refresh-token-0123456789' }]),
        () => opened.drain(),
      ])
        expect(await within(call(), 1_000)).toMatchObject({ code: 'no_keys' });
    } finally {
      await proxy.close();
      await outbox?.close().catch(() => {});
    }
  }, 60_000);
});
