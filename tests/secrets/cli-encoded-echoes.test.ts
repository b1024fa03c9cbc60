// A response mixed up with another request's may echo another token of the run ENCODED: percent- or
// form-encoded, as hex, as base64 or base64url (padded or not), in a request body or Basic-like
// `client:token` text echoed as base64, percent-encoded twice, behind backslash escapes. The run keeps
// only digests of its other tokens, so the CLI decodes each word of a message and looks the decoded
// text up: a real local server echoes, for each token after the first, the first ones in one encoding.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { redactSentTokens } from '../../src/cli/sent-token-echoes';
import { digestOf } from '../../src/cli/token-digest';
import { REDACTED } from '../../src/redact';
import { credentialsOf, runCli, useCliFixture } from '../cli/cli-harness';
import { formEncode, fragmentsIn, leaksIn } from '../support/canaries';
import { useLocalServer } from '../support/local-server';

const fixture = useCliFixture();
const server = useLocalServer();

const base64 = (text: string) => Buffer.from(text).toString('base64');
const hex = (text: string) => Buffer.from(text).toString('hex');

/** The encodings a server could echo another token in, by name. */
const ENCODINGS: Record<string, (token: string) => string> = {
  'percent-encoded': encodeURIComponent,
  'percent-encoded, lower-case hex': (token) =>
    encodeURIComponent(token).replace(/%[0-9A-F]{2}/g, (hexEscape) => hexEscape.toLowerCase()),
  'form-encoded': formEncode,
  'percent-encoded twice': (token) => encodeURIComponent(encodeURIComponent(token)),
  hex,
  'hex, upper case': (token) => hex(token).toUpperCase(),
  base64,
  'base64 unpadded': (token) => base64(token).replace(/=+$/, ''),
  base64url: (token) => Buffer.from(token).toString('base64url'),
  'base64url padded': (token) => base64(token).replace(/\+/g, '-').replace(/\//g, '_'),
  'base64 behind backslash escapes (PHP)': (token) => base64(token).replace(/\//g, '\\/'),
  'base64 behind \\u escapes': (token) => base64(token).replace(/[+/]/g, (c) => `\\u00${hex(c)}`),
  'base64 of the request body': (token) => base64(`token=${formEncode(token)}&token_type_hint=access_token`),
  'base64 of client:token': (token) => base64(`client-id:${token}`),
  'hex of the request body': (token) => hex(`token=${formEncode(token)}`),
};

/** Another token of the run with every character base64 has (`+`, `/`, `=`), and a DigiLocker-like one. */
const OTHERS = [`dl+${randomBytes(24).toString('base64')}/x=`, randomBytes(20).toString('hex')];
/** For each encoding, in order, a token whose answer echoes the others in it. */
const ECHOING = Object.keys(ENCODINGS).map(() => randomBytes(20).toString('hex'));
/** Last, a refusal of the client credentials (which ends the run) echoing them in base64. */
const REFUSED = randomBytes(20).toString('hex');

function mixedUp(response: ServerResponse, body: string): void {
  const token = new URLSearchParams(body).get('token') ?? '';
  const encoding = Object.values(ENCODINGS)[ECHOING.indexOf(token)];
  if (encoding) {
    const echoes = OTHERS.map(encoding);
    const description = `tokens ${echoes[0]} and token=${echoes[1]}. are unknown`;
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'invalid_token', error_description: description }));
  } else if (token === REFUSED) {
    response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic' });
    const description = `client unknown for ${OTHERS.map(base64).join(', ')}`;
    response.end(JSON.stringify({ error: 'invalid_client', error_description: description }));
  } else response.end(); // the others: revoked
}

it.each([
  // One line per token with --json; the human summary (on stderr with --json too) shows the first
  // message of each error code.
  ['--json', ['--json'], Object.keys(ENCODINGS).length + 1],
  ['text', [], 1],
])('redacts another token of the run echoed in any encoding (%s)', async (_label, options, messages) => {
  server.handle((_request, response, _count, body) => mixedUp(response, body));
  const tokens = [...OTHERS, ...ECHOING, REFUSED];
  const args = ['revoke', ...options, '--concurrency', '1', '--base-url', server.baseUrl];
  const run = await runCli(args, { stdin: `${tokens.join('\n')}\n`, env: credentialsOf(fixture.digilocker) });
  expect(run.code).toBe(1);
  const output = [run.stdout, run.stderr];
  const all = output.join('');
  expect(all.split(`tokens ${REDACTED} and token=${REDACTED}. are unknown`)).toHaveLength(messages + 1);
  expect(all).toContain(`client unknown for ${REDACTED}, ${REDACTED}`);
  const shown = Object.entries(ENCODINGS).flatMap(([name, encoding]) =>
    OTHERS.map(encoding)
      .filter((echo) =>
        output.some((text) => text.includes(echo) || text.includes(JSON.stringify(echo).slice(1, -1))),
      )
      .map((echo) => `${name}: ${echo}`),
  );
  expect(shown).toEqual([]);
  expect(leaksIn(output, tokens)).toEqual([]);
  expect(fragmentsIn(output, OTHERS)).toEqual([]);
});

describe('redactSentTokens', () => {
  const sent = new Set([digestOf('a-token-of-the-run').key]);
  const wasSent = (key: string) => sent.has(key);

  it('leaves a word that decodes to nothing, or to no token of the run, as it is', () => {
    const text = [
      '%E0%A4%zz %E0%A4a-token-of-the-run', // malformed escapes
      'YWJjZGVmZ2hpa', // 4n + 1 characters: not base64
      '\\u00zz\\u12 \\', // malformed escapes
      base64('another-token-of-no-run'),
      hex('another-token-of-no-run'),
      'DigiLocker_refused_this_request_with_an_unusually_long_word_that_is_base64_in_shape',
    ].join(' ');
    expect(redactSentTokens(text, wasSent)).toBe(text);
  });

  it('redacts the encoded word whole, and leaves the words around it', () => {
    const echo = base64('a-token-of-the-run');
    expect(redactSentTokens(`(${echo}), client_id=${echo}.`, wasSent)).toBe(
      `(${REDACTED}), client_id=${REDACTED}.`,
    );
    // Not encoded, but one word with its name, as the other words are found: no token either.
    expect(redactSentTokens('token=a-token-of-the-run.', wasSent)).toBe(`token=${REDACTED}.`);
  });
});
