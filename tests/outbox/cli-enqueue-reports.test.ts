// What revoke --via-outbox says about a run that did not queue every line as given: a line skipped says
// why on stderr (never the token), a read failure is the summary's `stopped` with the count of what is
// queued, a signal that came once every token was queued says so, and a lost --json summary exits 1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { runCli, runShell, startCli, useCliFixture, waitFor } from '../cli/cli-harness';
import { describeWithPostgres, useOwnDatabase } from './support';

describeWithPostgres('revoke --via-outbox reports', () => {
  const fixture = useCliFixture();
  const store = useOwnDatabase('viarep');
  const env = { DIGILOCKER_OUTBOX_KEYS: generateEncryptionKey() };
  const queued = async () => {
    const status = await runCli(['outbox', 'status', '--store', store, '--json'], { env });
    // Before the first run made the store, status finds none: nothing is queued.
    return status.code === 0 ? (JSON.parse(status.stdout).stats.queued as number) : 0;
  };
  const file = (name: string, text: string) => {
    const path = join(fixture.scratch, name);
    writeFileSync(path, text);
    return path;
  };

  /**
   * Starts `revoke --via-outbox --json` on `path`; once `waiting` (a count of backends, read through
   * `holder`) says it waits on a lock the test holds, sends SIGINT and waits for the run to say so.
   */
  const interruptOnceWaiting = async (holder: pg.PoolClient, path: string, waiting: string) => {
    const running = startCli(['revoke', '--via-outbox', store, '--file', path, '--json'], { env });
    for (;;) {
      if (Number((await holder.query(waiting)).rows[0]?.n) > 0) break;
      if (running.child.exitCode !== null) throw new Error(`ended first: ${running.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    running.child.kill('SIGINT');
    await waitFor(() => running.stderr().includes('interrupted;'), 'the signal to be handled');
    return running;
  };

  test('a line skipped says why on stderr, never the token; the rest is queued', async () => {
    const before = await queued();
    const copy = 'reported-copy-\u200b-token';
    const path = file('skips', `reported-good-1\n${copy}\nreported\tbad\nreported-good-2\n`);
    const run = await runCli(['revoke', '--via-outbox', store, '--file', path, '--json'], { env });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).summary).toMatchObject({ queued: 2, invalid: 2 });
    expect(run.stderr).toMatch(
      /^digilocker-revoke: skipped: token 2 of the input: refreshToken must not start or end with whitespace, nor contain invisible characters$/m,
    );
    expect(run.stderr).toMatch(/^digilocker-revoke: skipped: token 3 of the input: .*control characters$/m);
    expect(run.stderr).not.toMatch(/reported-/);
    expect(await queued()).toBe(before + 2);
  }, 60_000);

  test('more than 20 skipped lines: the first 20 are said, the rest counted', async () => {
    const path = file('many-skips', `${Array.from({ length: 25 }, (_, i) => `bad\tline-${i}`).join('\n')}\n`);
    const run = await runCli(['revoke', '--via-outbox', store, '--file', path], { env });
    expect(run.code).toBe(1);
    expect(run.stderr.match(/^digilocker-revoke: skipped: /gm)).toHaveLength(20);
    expect(run.stderr).toMatch(/^digilocker-revoke: further skipped lines are only counted$/m);
    expect(run.stdout).toMatch(/^invalid \(skipped\): 25$/m);
  }, 60_000);

  test('a read failure stops the run: how many tokens are queued, and the summary says why', async () => {
    const before = await queued();
    const path = file('nul', 'read-a\nread-b\n\0x\nread-c\n');
    const run = await runCli(['revoke', '--via-outbox', store, '--file', path, '--json'], { env });
    expect(run.code).toBe(1);
    const { summary } = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ queued: 2, interrupted: false, stopped: expect.stringMatching(/NUL/) });
    expect(run.stderr).toMatch(/^The first 2 tokens of the input are queued; the rest are not\. /m);
    expect(await queued()).toBe(before + 2);
  }, 60_000);

  test('a signal once the whole input is read, while its last batch commits: every token is queued, and said so', async () => {
    await runCli(['revoke', '--via-outbox', store, 'store-making-token'], { env }); // the table to lock
    const before = await queued();
    const admin = new pg.Pool({ connectionString: store, max: 1 });
    admin.on('error', () => {});
    const holder = await admin.connect();
    try {
      // Each insert of jobs waits for an advisory lock the test holds: the open goes on, the batch waits.
      await holder.query(`
        CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NULL; END $$;
        CREATE TRIGGER hold BEFORE INSERT ON digilocker_outbox.job_common
          FOR EACH STATEMENT EXECUTE FUNCTION hold();
        SELECT pg_advisory_lock(4242)`);
      const tokens = Array.from({ length: 200 }, (_, i) => `whole-token-${i}`);
      const path = file('whole', `bad\tline-1\n${tokens.join('\n')}\nbad\tline-2\n`);
      const running = await interruptOnceWaiting(
        holder,
        path,
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'digilocker-outbox' AND wait_event_type = 'Lock' AND query ILIKE '%insert%'`,
      );
      await holder.query('SELECT pg_advisory_unlock(4242)');
      const run = await running.done;
      expect(run.code).toBe(130);
      expect(run.stderr).toMatch(/^All 200 tokens of the input are queued; its 2 skipped lines are not\.$/m);
      expect(run.stderr).not.toMatch(/the rest are not/);
      expect(JSON.parse(run.stdout).summary).toMatchObject({ queued: 200, interrupted: true });
      expect(await queued()).toBe(before + 200);
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()').catch(() => {});
      await holder.query(
        'DROP TRIGGER IF EXISTS hold ON digilocker_outbox.job_common; DROP FUNCTION IF EXISTS hold',
      );
      holder.release();
      await admin.end();
    }
  }, 60_000);

  test('a signal while the store opens: nothing is queued yet, and said so; exit 130, no token queued', async () => {
    await runCli(['revoke', '--via-outbox', store, 'store-making-token'], { env }); // the queue exists
    const before = await queued();
    const admin = new pg.Pool({ connectionString: store, max: 1 });
    admin.on('error', () => {});
    const holder = await admin.connect();
    try {
      // Every open takes this lock to carry over a release-0.1 store: holding it holds the open.
      await holder.query("SELECT pg_advisory_lock(hashtext('digilocker_outbox.digilocker_migrate'))");
      const path = file('opening', 'opening-token-1\nopening-token-2\n');
      const running = await interruptOnceWaiting(
        holder,
        path,
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND pid <> pg_backend_pid()`,
      );
      await holder.query("SELECT pg_advisory_unlock(hashtext('digilocker_outbox.digilocker_migrate'))");
      const run = await running.done;
      expect(run.stderr).toMatch(
        /^digilocker-revoke: interrupted; nothing is queued yet: stopping once the store is open /m,
      );
      expect(run.stderr).not.toMatch(/finishing the batch/);
      expect(run.code).toBe(130);
      expect(JSON.parse(run.stdout).summary).toMatchObject({ queued: 0, interrupted: true });
      expect(await queued()).toBe(before);
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()').catch(() => {});
      holder.release();
      await admin.end();
    }
  }, 60_000);

  test('a --json summary that cannot be written (the reader went away) exits 1', async () => {
    const path = file('lost', 'lost-summary-token\n');
    const run = await runShell(
      `$CLI revoke --via-outbox "$store" --file "$path" --json 2>"$scratch/stderr" | (exec 0<&-; sleep 2); $CLI_END`,
      fixture.scratch,
      { ...env, store, path },
    );
    expect(run.stderr).toMatch(/^digilocker-revoke: standard output was closed \(EPIPE\)/m);
    expect(run.code).toBe(1);
  }, 60_000);
});
