// A token shorter than 8 characters (`in`, `Dig`) given to the CLI: its echoes are redacted where they
// stand whole, never inside the words of the client's own message ("the token is [REDACTED]valid").
import { jsonLines, runCli, useCliFixture } from '../cli/cli-harness';

const fixture = useCliFixture();

it("keeps the client's message readable for short tokens, while their echoes are redacted", async () => {
  const tokens = ['in', 'Dig', 'abc'];
  for (const token of tokens) {
    fixture.digilocker.inject({
      type: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_token', error_description: `token ${token} is unknown` }),
    });
  }
  const args = [
    'revoke',
    '--json',
    '--concurrency',
    '1',
    '--base-url',
    fixture.digilocker.baseUrl,
    ...tokens,
  ];
  const run = await runCli(args, { env: fixture.env() });
  expect(run.code).toBe(1);
  const messages = jsonLines(run.stdout)
    .filter((line) => 'index' in line)
    .map((line) => line.message);
  const expected =
    'DigiLocker answered that the token is invalid: 400 (invalid_token: token [REDACTED] is unknown)';
  expect(messages).toEqual(tokens.map(() => expected));
  expect(run.stderr).toContain(`(e.g. ${expected})`);
});
