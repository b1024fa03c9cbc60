// What a server says reaches the operator's terminal as text, never as commands: escape sequences, bells
// and line breaks in an error description cannot clear the screen, retitle the window or forge summary
// lines, in the human summary or in --json.

import { useLocalServer } from '../support/local-server';
import { runCli, summaryOf } from './cli-harness';

const server = useLocalServer();
const FORGED =
  'bad\u001b[2J\u001b[31mPWNED\u001b[0m\nrevoked:           9999\nfailed:            0\u001b]0;owned\u0007';
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

beforeEach(() => {
  server.handle((_request, response) => {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'invalid_request', error_description: FORGED }));
  });
});

const env = { DIGILOCKER_CLIENT_ID: 'client-id', DIGILOCKER_CLIENT_SECRET: 'client-secret-0123' };

it.each([
  ['the human summary', []],
  ['--json', ['--json']],
])('prints a hostile error description as inert text (%s)', async (_, extra) => {
  const run = await runCli(['revoke', '--base-url', server.baseUrl, ...extra, 'token-0123456789'], { env });
  expect(run.code).toBe(1);
  const output = run.stdout + run.stderr;
  expect(output).toContain('PWNED');
  expect(output).not.toMatch(CONTROL);
  expect(output).not.toMatch(/^revoked: +9999$/m);
  if (extra.length > 0) expect(summaryOf(run.stdout)).toMatchObject({ failed: 1 });
});
