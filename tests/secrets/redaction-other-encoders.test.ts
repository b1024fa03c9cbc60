// Servers echo a token or secret through encoders whose choices the redactor cannot know: the case of
// hex digits (percent escapes `%2f` or `%2F` or both; JSON `\u003C` from .NET, `\u003c` from PHP), a
// DigiLocker token (40 lower-case hex digits) upper-cased, HTML escaping (PHP's htmlspecialchars, Go's
// and Python's html escapes), a backslash before punctuation (PHP's addslashes), and a value
// percent-encoded twice. Each is redacted from what the client reports. Matching ignores case
// everywhere: where it means something, a secret that differs only in case is still too close to show.
import { inspect } from 'node:util';
import { createRevocationClient } from '../../src';
import { createRedactor, REDACTED } from '../../src/redact';
import { useLocalServer } from '../support/local-server';

const HEX_TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const SECRET = `s3cr&t"<pa+ss/wo'rd>`;
const TOKEN = 'Ab+/Cd=ef&gh';

/** `text` escaped as PHP's htmlspecialchars does (ENT_QUOTES: `'` as `&#039;`). */
const phpHtml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#039;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
/** Percent-encoded, every other escape's hex in lower case. */
const mixedPercent = (text: string) => {
  let index = 0;
  return encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (hex) => (index++ % 2 ? hex.toLowerCase() : hex));
};
/** JSON as .NET's System.Text.Json writes it by default: HTML-sensitive characters and `+` as upper-case \u escapes. */
const dotnetJson = (text: string) =>
  text.replace(/[&"'<>+`]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);

const ECHOES: [string, string, string][] = [
  ['a hex token upper-cased', HEX_TOKEN, HEX_TOKEN.toUpperCase()],
  [
    'a hex token in mixed case',
    HEX_TOKEN,
    HEX_TOKEN.replace(/[a-f]/g, (c, i) => (i % 3 ? c : c.toUpperCase())),
  ],
  ['a secret HTML-escaped (PHP)', SECRET, phpHtml(SECRET)],
  [
    "a secret HTML-escaped with ' as &#39; (Go, also &#34;)",
    SECRET,
    phpHtml(SECRET)
      .replace(/&#039;/g, '&#39;')
      .replace(/&quot;/g, '&#34;'),
  ],
  ["a secret HTML-escaped with ' as &#x27; (Python)", SECRET, phpHtml(SECRET).replace(/&#039;/g, '&#x27;')],
  ['a token HTML-escaped', TOKEN, phpHtml(TOKEN)],
  ['a secret as .NET writes it in JSON', SECRET, dotnetJson(SECRET)],
  ['a secret through addslashes (PHP)', SECRET, SECRET.replace(/['"\\]/g, '\\$&')],
  ['a token percent-encoded twice', TOKEN, encodeURIComponent(encodeURIComponent(TOKEN))],
  [
    'a token percent-encoded twice, lower-case hex',
    TOKEN,
    encodeURIComponent(encodeURIComponent(TOKEN)).replace(/%25[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  ],
  ['a token percent-encoded in mixed-case hex', TOKEN, mixedPercent(TOKEN)],
  ['a secret percent-encoded in mixed-case hex', SECRET, mixedPercent(SECRET)],
];

describe('createRedactor', () => {
  it.each(ECHOES)('redacts %s', (_label, secret, echo) => {
    expect(createRedactor([secret])(`before ${echo} after`)).toBe(`before ${REDACTED} after`);
  });

  it('matches any secret in any case: one that differs only in case is still too close to show', () => {
    const redact = createRedactor(['CANARY-Secret-9']);
    expect(redact('canary-secret-9 | CANARY-Secret-9 | canary-secret-')).toBe(
      `${REDACTED} | ${REDACTED} | canary-secret-`,
    );
  });

  it('leaves HTML references and escapes of other characters alone', () => {
    const redact = createRedactor(['a&b']);
    expect(redact('a&lt;b a\\u0027b a&amp;b')).toBe(`a&lt;b a\\u0027b ${REDACTED}`);
  });
});

const server = useLocalServer();

describe('what the client reports when the server echoes one of these forms', () => {
  it.each(ECHOES)('%s', async (_label, secret, echo) => {
    server.handle((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_request', error_description: `you sent ${echo}` }));
    });
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      credentials: { clientId: 'client-1', clientSecret: SECRET },
      retry: false,
    });
    // The echo is of the token revoked, or of the client's secret.
    const error = (await client.revoke(secret === SECRET ? TOKEN : secret).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ oauthErrorDescription: `you sent ${REDACTED}` });
    for (const text of [error.message, String(error.stack), JSON.stringify(error), inspect(error)]) {
      expect(text).not.toContain(echo);
    }
  });
});

describe('a secret too long and unusual for one regular expression', () => {
  // A pasted line of text taken for a token: thousands of punctuation or non-ASCII characters make
  // a pattern V8 cannot compile ("Stack overflow"); the redactor must neither throw nor show it.
  it.each([
    ['4096 dots', '.'.repeat(4096)],
    ['2000 Devanagari letters', 'क'.repeat(2000)],
  ])('%s: nothing of the text is shown, and nothing is thrown', (_name, secret) => {
    const redact = createRedactor([secret]);
    const text = `before ${secret} ${Buffer.from(secret).toString('hex')} ${Buffer.from(secret).toString('base64')} after`;
    expect(redact(text)).toBe(REDACTED);
  });
});
