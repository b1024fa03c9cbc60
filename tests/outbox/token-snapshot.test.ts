// enqueue and enqueueBatch read each token once: what is sealed is what was checked, even when the
// tokens object answers each read differently (a getter, a Proxy). A job that holds tokens the client
// refuses as input anyway (sealed by a release that read them twice) ends dead, code invalid_payload,
// at its first run, instead of failing on every run until it expires.
import pg from 'pg';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { importKeys, type OutboxKey } from '../../src/outbox/crypto';
import { sealTokens } from '../../src/outbox/payload';
import type { SignOutTokens } from '../../src/results';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import {
  clientOf,
  DATABASE_URL,
  describeWithPostgres,
  KEY,
  scratchDirectory,
  uniqueSchema,
  within,
} from './support';

let mock: MockDigiLocker;
beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(() => mock.close());

/** A tokens object whose `name` is `first` on the first read and `then` on every later one. */
function changing(name: 'refreshToken' | 'accessToken', first: string, then: unknown) {
  const reads = { count: 0 };
  const tokens = Object.defineProperty({}, name, {
    enumerable: true,
    get: () => (reads.count++ === 0 ? first : then),
  }) as SignOutTokens;
  return { tokens, reads };
}

describe('embedded store', () => {
  const scratch = scratchDirectory();
  let outbox: RevocationOutbox;
  const events: OutboxEvent[] = [];
  beforeAll(async () => {
    outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { directory: scratch.path, unsafeSkipFsync: true },
      encryptionKeys: [KEY],
      pollIntervalMs: 500,
      onEvent: (event) => events.push(event),
    });
  });
  afterAll(async () => {
    await outbox.close();
    scratch.remove();
  });

  test.each([
    ['refreshToken', 'a number', 12345],
    ['refreshToken', 'a line break', 'line\nbreak'],
    ['accessToken', 'a number', 12345],
    ['accessToken', 'a line break', 'line\nbreak'],
  ] as const)(
    'enqueue: a %s getter that answers a valid token, then %s: read once; the valid one is revoked',
    async (name, _label, then) => {
      const issued = mock.issueTokens();
      const { tokens, reads } = changing(name, issued[name], then);
      const job = await outbox.enqueue(tokens);
      expect(reads.count).toBe(1);
      expect(await outbox.drain({ signal: AbortSignal.timeout(15_000) })).toMatchObject({ dead: 0 });
      expect(mock.isActive(issued[name])).toBe(false);
      expect(events.filter((e) => 'jobId' in e && e.jobId === job.id).map((e) => e.type)).toEqual([
        'queued',
        'attempt',
        'revoked',
      ]);
    },
    30_000,
  );

  test('enqueueBatch reads each element and each token once', async () => {
    const issued = [mock.issueTokens(), mock.issueTokens()];
    const first = changing('refreshToken', issued[0]?.refreshToken as string, 12345);
    const elementReads = { count: 0 };
    const batch: SignOutTokens[] = [];
    Object.defineProperty(batch, 0, {
      enumerable: true,
      get: () => (elementReads.count++ === 0 ? first.tokens : { refreshToken: 'a\nb' }),
    });
    batch.push({ refreshToken: issued[1]?.refreshToken as string });
    await outbox.enqueueBatch(batch);
    expect([elementReads.count, first.reads.count]).toEqual([1, 1]);
    expect(await outbox.drain({ signal: AbortSignal.timeout(15_000) })).toMatchObject({ dead: 0 });
    expect(issued.some((tokens) => mock.isActive(tokens.refreshToken))).toBe(false);
  }, 30_000);

  test('a getter that answers an invalid token first is refused, nothing stored', async () => {
    const before = await outbox.stats();
    const { tokens } = changing('refreshToken', 'line\nbreak', 'valid-token');
    await expect(outbox.enqueue(tokens)).rejects.toMatchObject({
      code: 'invalid_token_input',
      input: 'refreshToken',
    });
    expect(await outbox.stats()).toEqual(before);
  });
});

describeWithPostgres('a stored job whose tokens the client refuses', () => {
  const schema = uniqueSchema('snapshot');
  let pool: pg.Pool;
  let key: OutboxKey;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    [key] = (await importKeys([KEY])) as [OutboxKey];
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });
  const openWithEvents = async () => {
    const events: OutboxEvent[] = [];
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 500,
      onEvent: (event) => events.push(event),
    });
    return { outbox, events };
  };

  test('ends dead (invalid_payload) at its first run, unsent, and the drain ends', async () => {
    const { outbox, events } = await openWithEvents();
    try {
      const issued = mock.issueTokens();
      const job = await outbox.enqueue({ refreshToken: issued.refreshToken });
      // What a release that sealed a second read of a getter stored: a token signOut refuses.
      const bad = await sealTokens(
        { refreshToken: 'line\nbreak' },
        key,
        job.id,
        job.expiresAt.getTime(),
        undefined,
      );
      await pool.query(`UPDATE ${schema}.job SET data = $1 WHERE id = $2`, [bad, job.id]);

      const drained = outbox.drain();
      expect(await within(drained, 10_000)).toBe('resolved');
      expect(await drained).toMatchObject({ dead: 1, queued: 0, retrying: 0 });
      expect(events.filter((e) => e.type === 'dead')).toEqual([
        expect.objectContaining({ jobId: job.id, code: 'invalid_payload' }),
      ]);
      expect(events.filter((e) => e.type === 'retry_scheduled' || e.type === 'error')).toEqual([]);
    } finally {
      await outbox.close();
    }
  }, 30_000);

  test('a token the client now refuses is not sent; its sibling is, and the job ends by its answer', async () => {
    const { outbox, events } = await openWithEvents();
    try {
      const issued = mock.issueTokens();
      const job = await outbox.enqueue({
        refreshToken: issued.refreshToken,
        accessToken: issued.accessToken,
      });
      // What the release before the rule on edge whitespace sealed for a pasted copy of the access token.
      const copy = `${issued.accessToken} `;
      const sealed = await sealTokens(
        { refreshToken: issued.refreshToken, accessToken: copy },
        key,
        job.id,
        job.expiresAt.getTime(),
        undefined,
      );
      await pool.query(`UPDATE ${schema}.job SET data = $1 WHERE id = $2`, [sealed, job.id]);

      expect(await within(outbox.drain(), 10_000)).toBe('resolved');
      expect(mock.isActive(issued.refreshToken)).toBe(false);
      const ofJob = events.filter((e) => ('jobId' in e && e.jobId === job.id) || e.type === 'error');
      expect(ofJob.map((e) => e.type)).toEqual(['queued', 'error', 'attempt', 'revoked']);
      expect(ofJob[1]).toEqual({
        type: 'error',
        message: expect.stringMatching(
          new RegExp(`^job ${job.id}: its accessToken \\(fingerprint ${sealed.fp.accessToken}\\) is one `),
        ),
      });
      expect(JSON.stringify(events)).not.toContain(issued.accessToken);
      expect(JSON.stringify(events)).not.toContain(issued.refreshToken);
    } finally {
      await outbox.close();
    }
  }, 30_000);
});
