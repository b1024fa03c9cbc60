// Canary tokens queued on PostgreSQL: a pg_dump of the database never holds them, in any encoding,
// while their jobs are pending; once the jobs end, it does not hold their ciphertext either. Nor do
// the events, the stats or the errors.
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import pg from 'pg';
import { type OutboxEvent, openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const CANARIES = ['CANARY-PG-REFRESH-51f0+/= é&%"\\', "CANARY-PG-ACCESS-e2a9~!*()'<>"];

function encodings(value: string): string[] {
  const percent = encodeURIComponent(value);
  return [
    value,
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (sequence) => sequence.toLowerCase()),
    new URLSearchParams([['', value]]).toString().slice(1),
    Buffer.from(value).toString('base64'),
    JSON.stringify(value).slice(1, -1),
  ];
}

describeWithPostgres('canary tokens on PostgreSQL', () => {
  let mock: MockDigiLocker;
  const schema = uniqueSchema('canary');
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  beforeAll(async () => {
    mock = await startMockDigiLocker();
  });
  afterAll(async () => {
    await mock.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  const dump = () =>
    execFileSync('pg_dump', ['--dbname', DATABASE_URL as string, '--schema', schema], { encoding: 'utf8' });

  test('pg_dump holds no token while the jobs are pending, and no ciphertext once they ended', async () => {
    const events: OutboxEvent[] = [];
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
      onEvent: (event) => events.push(event),
    });
    const issued = mock.issueTokens();
    await outbox.enqueue({ refreshToken: CANARIES[0], accessToken: CANARIES[1] }, { ref: 'canary-user' });
    await outbox.enqueue(issued);
    const needles = [...CANARIES, issued.refreshToken, issued.accessToken].flatMap(encodings);

    const pending = dump();
    expect(pending).toContain('canary-user'); // the dump holds the jobs
    expect(needles.filter((needle) => pending.includes(needle))).toEqual([]);
    const { rows } = await pool.query(`SELECT data->>'ct' AS ct FROM ${schema}.job WHERE data ? 'ct'`);
    const ciphertexts = rows.map((row: { ct: string }) => row.ct);
    expect(ciphertexts).toHaveLength(2);
    for (const ciphertext of ciphertexts) expect(pending).toContain(ciphertext);

    const stats = await outbox.drain();
    expect(stats).toMatchObject({ revoked: 1, alreadyInvalid: 1 });
    await outbox.close();
    const ended = dump();
    expect([...needles, ...ciphertexts].filter((needle) => ended.includes(needle))).toEqual([]);
    const reported = [JSON.stringify(events), inspect(events, { depth: 5 }), JSON.stringify(stats)].join(
      '\n',
    );
    expect(needles.filter((needle) => reported.includes(needle))).toEqual([]);
  }, 60_000);
});
