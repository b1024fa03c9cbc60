// A credential from the environment with a stray character (a CR from a file saved on Windows, a
// trailing newline or space) is refused before any request, by the name of the variable the user set
// (not the client's option, credentials.clientSecret), with what to do, and never quoted.
import { runCli, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

/** A secret long enough that no word of a message could be mistaken for it. */
const SECRET = 'q7Rk2Vd9Lm4Xw8Tn';

describe('a credential variable with a stray character exits 2 before any request, naming it', () => {
  const cases: [string, string, string[], RegExp][] = [
    [
      'DIGILOCKER_CLIENT_SECRET',
      `${SECRET}\r`,
      [],
      /^error: DIGILOCKER_CLIENT_SECRET ends with a carriage return, a Windows line ending.*tr -d/,
    ],
    ['DIGILOCKER_CLIENT_SECRET', `${SECRET}\r\n`, [], /DIGILOCKER_CLIENT_SECRET .*Windows line ending/],
    ['DIGILOCKER_CLIENT_SECRET', `${SECRET}\n`, [], /^error: DIGILOCKER_CLIENT_SECRET ends with a newline/],
    [
      'DIGILOCKER_CLIENT_SECRET',
      `${SECRET} `,
      [],
      /^error: DIGILOCKER_CLIENT_SECRET starts or ends with whitespace.*remove it/,
    ],
    ['DIGILOCKER_CLIENT_SECRET', ` ${SECRET}`, [], /DIGILOCKER_CLIENT_SECRET starts or ends with whitespace/],
    [
      'DIGILOCKER_CLIENT_SECRET',
      `${SECRET.slice(0, 8)}\u0007${SECRET.slice(8)}`,
      [],
      /^error: DIGILOCKER_CLIENT_SECRET must not contain control characters/,
    ],
    ['DIGILOCKER_CLIENT_ID', `${SECRET}\r`, [], /^error: DIGILOCKER_CLIENT_ID ends with a carriage return/],
    // With --auth bearer, the id and secret are those of the client-credentials grant.
    [
      'DIGILOCKER_CLIENT_SECRET',
      `${SECRET}\r`,
      ['--auth', 'bearer'],
      /^error: DIGILOCKER_CLIENT_SECRET ends with a carriage return/,
    ],
    [
      'DIGILOCKER_ACCESS_TOKEN',
      `${SECRET}\r`,
      ['--auth', 'bearer'],
      /^error: DIGILOCKER_ACCESS_TOKEN ends with a carriage return/,
    ],
    [
      'DIGILOCKER_ACCESS_TOKEN',
      `${SECRET} `,
      ['--auth', 'bearer'],
      /^error: DIGILOCKER_ACCESS_TOKEN starts or ends with whitespace/,
    ],
  ];

  it.each(cases)('%s set to %j %j', async (variable, value, args, message) => {
    const run = await runCli(['revoke', '--base-url', fixture.digilocker.baseUrl, ...args], {
      stdin: `${fixture.issue(1)[0]}\n`,
      env: { ...fixture.env(), [variable]: value },
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toMatch(/credentials\.|clientSecret|clientId|accessToken/);
    expect(run.stderr).not.toContain(SECRET.slice(0, 8));
    expect(fixture.digilocker.stats.requests).toBe(0);
  });

  it('a clean secret still revokes (the check refuses only the stray characters)', async () => {
    const run = await runCli(['revoke', '--base-url', fixture.digilocker.baseUrl], {
      stdin: `${fixture.issue(1)[0]}\n`,
      env: fixture.env(),
    });
    expect(run.code).toBe(0);
  });
});
