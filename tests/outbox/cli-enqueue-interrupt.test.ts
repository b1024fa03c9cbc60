// A signal during revoke --via-outbox: the input (a FIFO whose writer stays open: the run is surely
// mid-way) is no longer read, the batch being committed finishes, a wait to send a failed batch again
// ends at once, and the run says how many tokens are queued, prints the summary and exits 130, as the
// plain revoke does. Before, the process ended at once with 130 and not a word: no count, no summary.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { type Running, runCli, startCli, useCliFixture, waitFor } from '../cli/cli-harness';
import { describeWithPostgres, useOwnDatabase } from './support';

describeWithPostgres('revoke --via-outbox stopped by a signal', () => {
  const fixture = useCliFixture();
  const store = useOwnDatabase('viasig');
  const env = { DIGILOCKER_OUTBOX_KEYS: generateEncryptionKey() };
  let admin: pg.Pool; // of the suite's own database
  let fifo: { write(count: number): void; close(): void } | undefined;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: store, max: 2 });
    // useOwnDatabase's afterAll, which runs first, drops the database with its connections.
    admin.on('error', () => {});
  });
  afterAll(() => admin.end());
  afterEach(() => fifo?.close());

  /** Starts the run on a FIFO that stays open until the test ends; `write(n)` adds n more tokens. */
  const start = (): Running => {
    const path = join(fixture.scratch, 'tokens');
    execFileSync('mkfifo', [path]);
    // A reader of the test's own (it reads nothing), so that the writer opens without waiting.
    const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(path, constants.O_WRONLY);
    let written = 0;
    fifo = {
      write(count) {
        const lines = Array.from({ length: count }, () => `signalled-token-${written++}\n`);
        writeSync(writer, lines.join(''));
      },
      close() {
        closeSync(writer);
        closeSync(reader);
        fifo = undefined;
      },
    };
    return startCli(['revoke', '--via-outbox', store, '--file', path, '--json'], { env, stdin: '' });
  };
  const count = async (sql: string) => Number((await admin.query(sql)).rows[0]?.n);
  const jobs = () => count('SELECT count(*)::int AS n FROM digilocker_outbox.job').catch(() => 0);
  /** Polls `condition` (a query) every 20 ms, failing with the run's stderr if the run ends first. */
  const until = async (condition: () => Promise<boolean>, running: Running, what: string) => {
    while (!(await condition())) {
      if (running.child.exitCode !== null) throw new Error(`ended before ${what}: ${running.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  /** The run's end: its code, the N of its stop line, its summary, and the jobs in the store. */
  const ended = async (running: Running) => {
    const run = await running.done;
    const stopLine = /^The first (\d+) tokens of the input are queued; the rest are not\. /m.exec(run.stderr);
    const status = await runCli(['outbox', 'status', '--store', store, '--json'], { env });
    return {
      ...run,
      stoppedAt: stopLine ? Number(stopLine[1]) : undefined,
      summary: JSON.parse(run.stdout || '{}').summary,
      stored: JSON.parse(status.stdout).stats.queued as number,
    };
  };

  test('SIGINT while a batch is committed: it finishes, the rest is not read; exit 130, count, summary', async () => {
    const running = start();
    fifo?.write(500);
    await until(async () => (await jobs()) === 500, running, 'the first batch');
    // The next batch waits for this lock: the signal comes while it is being committed.
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE digilocker_outbox.job IN EXCLUSIVE MODE');
      fifo?.write(700); // the second batch, and 200 tokens of a third one
      const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'digilocker-outbox' AND wait_event_type = 'Lock' AND query ILIKE '%insert%'`;
      await until(async () => (await count(waiting)) > 0, running, 'the second batch to wait');
      running.child.kill('SIGINT');
      await waitFor(() => running.stderr().includes('interrupted;'), 'the signal to be handled');
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    const run = await ended(running);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/^digilocker-revoke: interrupted; finishing the batch being queued/m);
    expect(run.stoppedAt).toBe(1_000);
    expect(run.summary).toMatchObject({ queued: 1_000, invalid: 0, interrupted: true });
    expect(run.summary).not.toHaveProperty('stopped');
    expect(run.stored).toBe(1_000);
    expect(run.stderr + run.stdout).not.toMatch(/signalled-token/);
  }, 120_000);

  test('SIGTERM while a failed batch waits to be sent again: the wait ends at once, the batch is not sent; exit 130', async () => {
    const running = start();
    fifo?.write(500);
    await until(async () => (await jobs()) === 500, running, 'the first batch');
    // Every later insert fails (nothing committed), each attempt counted by a sequence, which no
    // rollback undoes.
    await admin.query(`
      CREATE SEQUENCE attempts;
      CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM nextval('attempts'); RAISE EXCEPTION 'refused by the test'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON digilocker_outbox.job_common
        FOR EACH STATEMENT EXECUTE FUNCTION refuse()`);
    try {
      fifo?.write(500);
      const attempts = () =>
        count('SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM attempts');
      // The second attempt failed 1 s after the first: the run now waits 2 s before the third.
      await until(async () => (await attempts()) === 2, running, 'the second attempt of the second batch');
      const sentAt = Date.now();
      running.child.kill('SIGTERM');
      await running.done;
      expect(Date.now() - sentAt).toBeLessThan(1_500);
      const run = await ended(running);
      expect(await attempts()).toBe(2);
      expect(run.code).toBe(130);
      expect(run.stderr).toMatch(
        /^digilocker-revoke: stopped: enqueueBatch: nothing was committed: .*refused by the test.*\nThe first 500 tokens of the input are queued; the rest are not/m,
      );
      expect(run.summary).toMatchObject({
        queued: 500,
        invalid: 0,
        interrupted: true,
        stopped: expect.stringMatching(/refused by the test/),
      });
      expect(run.stored).toBe(500);
      expect(run.stderr + run.stdout).not.toMatch(/signalled-token/);
    } finally {
      await admin.query('DROP TRIGGER refuse ON digilocker_outbox.job_common; DROP FUNCTION refuse');
      await admin.query('DROP SEQUENCE attempts');
    }
  }, 120_000);
});
