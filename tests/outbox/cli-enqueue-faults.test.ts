// revoke --via-outbox while the database terminates the outbox's connections mid-file (a failover, an
// operator's pg_terminate_backend): a batch the database failed is sent again, and the whole file ends
// up queued. Before, the run died at the first failed batch as an "unexpected" error, with no count,
// though the batches before it were committed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { runCli, startCli, useCliFixture } from '../cli/cli-harness';
import { DATABASE_URL, describeWithPostgres, useOwnDatabase } from './support';

describeWithPostgres('revoke --via-outbox when the database drops its connections', () => {
  const fixture = useCliFixture();
  const store = useOwnDatabase('viafault');
  const env = { DIGILOCKER_OUTBOX_KEYS: generateEncryptionKey() };
  let admin: pg.Pool;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  });
  afterAll(() => admin.end());

  const database = () => new URL(store).pathname.slice(1);
  /** Terminates the outbox's connections to the suite's database; resolves with how many. */
  const terminate = async () => {
    const { rows } = await admin.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = 'digilocker-outbox' AND datname = $1`,
      [database()],
    );
    return (rows[0] as { n: number }).n;
  };
  /** Whether a connection of the outbox has sent a batch of jobs (the store is open). */
  const enqueueing = async () => {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'digilocker-outbox' AND datname = $1 AND query ILIKE '%insert%'`,
      [database()],
    );
    return (rows[0] as { n: number }).n > 0;
  };

  test('every token is queued, and the run exits 0', async () => {
    const count = 20_000;
    const file = join(fixture.scratch, 'tokens.txt');
    writeFileSync(file, `${Array.from({ length: count }, (_, i) => `leaked-token-${i}`).join('\n')}\n`);
    const running = startCli(['revoke', '--via-outbox', store, '--file', file, '--json'], { env, stdin: '' });
    // Once batches are being sent (the store is open), four terminations 100 ms apart.
    while (!(await enqueueing()) && running.child.exitCode === null) await delay(10);
    let terminated = await terminate();
    for (let round = 0; round < 3 && running.child.exitCode === null; round++) {
      await delay(100);
      terminated += await terminate();
    }
    const run = await running.done;
    expect(terminated).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(/unexpected/);
    expect(JSON.parse(run.stdout)).toMatchObject({ summary: { queued: count, invalid: 0 } });
    expect(run.code).toBe(0);
    const status = await runCli(['outbox', 'status', '--store', store, '--json'], { env });
    // At least every token: a batch whose connection was lost before the answer may have committed
    // and been sent again (a token queued twice is revoked twice, harmlessly).
    expect(JSON.parse(status.stdout).stats.queued).toBeGreaterThanOrEqual(count);
  }, 120_000);

  test('a batch that keeps failing stops the run: exit 1, how many tokens are queued, the summary', async () => {
    const count = 20_000;
    const file = join(fixture.scratch, 'tokens.txt');
    writeFileSync(file, `${Array.from({ length: count }, (_, i) => `stopped-token-${i}`).join('\n')}\n`);
    const running = startCli(['revoke', '--via-outbox', store, '--file', file, '--json'], { env, stdin: '' });
    while (!(await enqueueing()) && running.child.exitCode === null) await delay(10);
    // Every connection terminated as soon as it is there, until the run ends.
    while (running.child.exitCode === null) {
      await terminate();
      await delay(20);
    }
    const run = await running.done;
    expect(run.stderr).not.toMatch(/unexpected/);
    // Once seen on Node 22 under CI's load, not reproduced: no summary at all. Say how the run ended.
    const ended = { code: run.code, signal: run.signal, summary: run.stdout !== '', stderr: run.stderr };
    expect(ended).toMatchObject({ code: 1, summary: true });
    const { summary } = JSON.parse(run.stdout);
    const queued = summary.queued as number;
    expect(queued).toBeLessThan(count);
    expect(summary).toMatchObject({ interrupted: false, stopped: expect.stringMatching(/^enqueueBatch: /) });
    expect(run.stderr).toMatch(
      new RegExp(
        `^digilocker-revoke: stopped: .*\nThe first ${queued} tokens of the input are queued(; the next \\d+ may be too \\(.*\\))?; the rest are not`,
        'm',
      ),
    );
    expect(run.code).toBe(1);
  }, 120_000);
});
