// An outbox command whose result cannot be written (a full disk for standard output, a reader gone
// away) says why on stderr and exits 1, with or without --json: a result no one received is not a
// success. The work itself is done (a drain revokes, purge deletes), so running it again is safe.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { credentialsOf, runCli, runShell, useCliFixture } from '../cli/cli-harness';
import { describeWithPostgres, useOwnDatabase } from './support';

describeWithPostgres('outbox commands whose result is lost', () => {
  const fixture = useCliFixture();
  const store = useOwnDatabase('lostout');
  const env = () => ({
    ...credentialsOf(fixture.digilocker),
    DIGILOCKER_OUTBOX_KEYS: generatedKey,
    store,
    BASE_URL: fixture.digilocker.baseUrl,
  });
  const generatedKey = generateEncryptionKey();
  const toFullDisk = (command: string) =>
    runShell(`$CLI ${command} 2>"$scratch/stderr" >/dev/full; $CLI_END`, fixture.scratch, env());

  test('revoke --via-outbox, human summary, to a reader that went away: exit 1, the tokens are queued', async () => {
    const path = join(fixture.scratch, 'lost-human');
    writeFileSync(path, 'lost-human-summary-1\nlost-human-summary-2\n');
    const run = await runShell(
      `$CLI revoke --via-outbox "$store" --file "$path" 2>"$scratch/stderr" | (exec 0<&-; sleep 2); $CLI_END`,
      fixture.scratch,
      { ...env(), path },
    );
    expect(run.stderr).toMatch(/^digilocker-revoke: standard output was closed \(EPIPE\)/m);
    expect(run.code).toBe(1);
    const status = await runCli(['outbox', 'status', '--store', store, '--json'], { env: env() });
    expect(JSON.parse(status.stdout).stats.queued).toBe(2);
  }, 60_000);

  test('outbox status, drain, keys and purge to a full disk: each exits 1 and says why; drain still revoked', async () => {
    const token = fixture.digilocker.issueTokens().refreshToken;
    const path = join(fixture.scratch, 'lost-drain');
    writeFileSync(path, `${token}\n`);
    const queued = await runCli(
      ['revoke', '--via-outbox', store, '--file', path, '--hint', 'refresh_token'],
      {
        env: env(),
      },
    );
    expect(queued.code).toBe(0);

    for (const command of [
      'outbox status --store "$store"',
      'outbox status --store "$store" --json',
      'outbox keys --store "$store"',
      'outbox drain --store "$store" --base-url "$BASE_URL"',
      'outbox purge --store "$store"',
    ]) {
      const run = await toFullDisk(command);
      expect({ command, stderr: run.stderr }).toEqual({
        command,
        stderr: expect.stringMatching(/^digilocker-revoke: cannot write to standard output: ENOSPC$/m),
      });
      expect({ command, code: run.code }).toEqual({ command, code: 1 });
    }
    expect(fixture.digilocker.isActive(token)).toBe(false);
  }, 120_000);
});
