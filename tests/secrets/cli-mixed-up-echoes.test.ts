// A response mixed up with another request's (a proxy's, a cache's or the server's mistake) echoes
// another token than the one of its message: any token sent in this run, or recorded by an earlier
// run's journal, is redacted from every message, as written or in lower case, edge punctuation aside.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SentTokens } from '../../src/cli/sent-tokens';
import { useCliFixture } from '../cli/cli-harness';
import { fragmentsIn } from '../support/canaries';

const fixture = useCliFixture();

const echo = (description: string) => ({
  type: 'status' as const,
  status: 400,
  body: JSON.stringify({ error: 'invalid_token', error_description: description }),
});

it("redacts another token of the run, or of the journal's earlier run, echoed in a message", async () => {
  const [first, second, third] = Array.from({ length: 3 }, () => randomBytes(20).toString('hex'));
  const [earlier] = fixture.issue(1);
  const journal = join(fixture.scratch, 'journal');
  const args = ['--json', '--concurrency', '1', '--journal', journal];
  const before = await fixture.revoke(args, `${earlier}\n`);
  expect(before.code).toBe(0); // revoked, as the journal records
  fixture.digilocker.inject(echo(`token ${earlier}. is unknown`));
  fixture.digilocker.inject(echo(`token ${first} is unknown`));
  fixture.digilocker.inject(echo(`tokens "${second?.toUpperCase()}", ${first}`));
  const run = await fixture.revoke(args, `${first}\n${second}\n${third}\n`);
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('token [REDACTED]. is unknown');
  expect(run.stdout).toContain('token [REDACTED] is unknown');
  expect(run.stdout).toContain('tokens \\"[REDACTED]\\", [REDACTED]');
  const output = (run.stdout + run.stderr).toLowerCase();
  for (const token of [earlier, first, second, third]) expect(output).not.toContain(token);
});

it('redacts another token of the run whole when it shares a long run with the token of the message (two JWTs)', async () => {
  // The same header: the fragments pass of the second token's echoes alone would take the first
  // token's header and show its payload and signature.
  const header = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9';
  const [first, second] = Array.from(
    { length: 2 },
    () => `${header}.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
  );
  fixture.digilocker.inject(echo('unknown token'));
  fixture.digilocker.inject(echo(`token ${second} is unknown, unlike ${first}`));
  const run = await fixture.revoke(['--json', '--concurrency', '1'], `${first}\n${second}\n`);
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('token [REDACTED] is unknown, unlike [REDACTED])');
  expect(
    fragmentsIn(
      [run.stdout, run.stderr],
      [first, second].map((token) => token?.slice(header.length) ?? ''),
    ),
  ).toEqual([]);
});

it('SentTokens still knows a token it forgot the copies of', () => {
  const sent = new SentTokens();
  sent.add('k');
  sent.forget('k');
  expect(sent.copies('k')).toBe(0);
  expect(sent.wasSent('k')).toBe(true);
  expect(sent.wasSent('other')).toBe(false);
});
