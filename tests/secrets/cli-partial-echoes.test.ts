// A server that cuts an echo of the token short, wraps it across lines or splits it between fields
// shows runs of it, none of them whole: each run of 12 characters or more of a token or secret is
// redacted, while the CLI's own words are left alone.
import { secretsRedactor } from '../../src/cli/redaction';
import { runCli, useCliFixture } from '../cli/cli-harness';

const TOKEN = 'a3f9c2e71b4d8065f2a9c3e71b4d8065f2a9c3e7';

const fixture = useCliFixture();

/** Every run of 12 characters of `value`, which no output may show. */
const runsOf = (value: string) =>
  Array.from({ length: value.length - 11 }, (_, at) => value.slice(at, at + 12));

it('redacts a token echoed cut short, across lines or split between fields', async () => {
  const bodies = [
    { error: 'invalid_token', error_description: `token ${TOKEN.slice(0, 30)}... is unknown` },
    {
      error: 'invalid_token',
      error_description: `token ${TOKEN.slice(0, 20)}\n${TOKEN.slice(20)} is unknown`,
    },
    { error: TOKEN.slice(0, 20), error_description: TOKEN.slice(20).toUpperCase() },
  ];
  for (const body of bodies)
    fixture.digilocker.inject({ type: 'status', status: 400, body: JSON.stringify(body) });
  const tokens = `${bodies.map(() => TOKEN).join('\n')}\n`;
  const args = ['revoke', '--json', '--concurrency', '1', '--base-url', fixture.digilocker.baseUrl];
  const run = await runCli(args, { stdin: tokens, env: fixture.env() });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('token [REDACTED]... is unknown');
  expect(run.stdout).toContain('token [REDACTED]\ufffd[REDACTED] is unknown');
  expect(run.stdout).toContain('400 ([REDACTED]: [REDACTED])');
  for (const piece of runsOf(TOKEN)) {
    expect((run.stdout + run.stderr).toLowerCase()).not.toContain(piece);
  }
});

it('redacts runs of a secret, but no word shorter than 12 it shares with the CLI', () => {
  const redact = secretsRedactor(['digilocker-prod-Secret-2026']);
  expect(redact('bad secret digilocker-pr\nOD-Secret-2026 (cut)')).toBe(
    'bad secret [REDACTED]\n[REDACTED] (cut)',
  );
  expect(redact('DigiLocker refused; run digilocker-revoke --help')).toBe(
    'DigiLocker refused; run digilocker-revoke --help',
  );
});
