// A server may echo a token or secret in any encoding. Beside the raw, upper-case percent- and
// form-encoded forms, the client redacts lower-case percent-encoding (`abc%2bdef`), the strict
// percent-encoding of PHP's `urlencode` and `rawurlencode` (`*` as `%2A`, `~` kept or `%7E`, space as
// `+` or `%20`), the base64 and base64url, padded or not, and the hex of a bare token, secret or
// bearer, and a JSON-escaped echo of a token with `"` or `\`, wherever the other forms are redacted:
// message, toJSON, stack, util.inspect and events. (Base64 of a longer text that embeds the secret:
// tests/secrets/redaction-partial-base64.test.ts.) And the rules beyond the encodings: a secret that is absent or empty stands for nothing, so
// it redacts nothing, and every occurrence of a secret goes, not the first. A percent-encoder stricter
// than encodeURIComponent (PHP's urlencode, rawurlencode) still matches.
import { inspect } from 'node:util';
import { createRevocationClient, type RevocationClientOptions, type RevocationEvent } from '../../src';
import { createRedactor, REDACTED } from '../../src/redact';
import { useLocalServer } from '../support/local-server';

const TOKEN = 'CANARY+tok"en\\9f/é';
const SECRET = 'CANARY+sec/ret=77*(~) !';
const BEARER = 'CANARY+bearer/41';

const lowerPercent = (text: string) =>
  encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
const lowerForm = (text: string) =>
  new URLSearchParams([['', text]])
    .toString()
    .slice(1)
    .replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
/** Percent-encoding of every UTF-8 byte but `A-Z a-z 0-9 - . _` (and `~` when kept), space as `space`. */
const strictPercent = (text: string, keep: RegExp, space: string, hexCase: (hex: string) => string) =>
  Array.from(Buffer.from(text, 'utf8'), (byte) => {
    const character = String.fromCharCode(byte);
    if (byte < 0x80 && keep.test(character)) return character;
    return character === ' ' ? space : `%${hexCase(byte.toString(16).toUpperCase().padStart(2, '0'))}`;
  }).join('');
const strictPercentForms = (text: string) =>
  [/[A-Za-z0-9._~-]/, /[A-Za-z0-9._-]/].flatMap((keep) =>
    ['%20', '+'].flatMap((space) =>
      [(h: string) => h, (h: string) => h.toLowerCase()].map((hexCase) =>
        strictPercent(text, keep, space, hexCase),
      ),
    ),
  );
const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1);
const phpJsonEscaped = (text: string) =>
  jsonEscaped(text)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The new forms of a canary, none of which may ever be reported. */
const formsOf = (value: string) => [
  lowerPercent(value),
  lowerForm(value),
  base64(value),
  base64(value).replace(/=+$/, ''),
  base64url(value),
  `${base64url(value)}${'='.repeat((4 - (base64url(value).length % 4)) % 4)}`,
  hex(value),
  hex(value).toUpperCase(),
  ...strictPercentForms(value),
  jsonEscaped(value),
  phpJsonEscaped(value),
];
const FORMS = [...new Set([TOKEN, SECRET, BEARER].flatMap(formsOf))];

describe('createRedactor', () => {
  it.each(FORMS.map((form) => [form]))('redacts %s', (form) => {
    const redact = createRedactor([TOKEN, SECRET, BEARER]);
    expect(redact(`before ${form} after`)).toBe(`before ${REDACTED} after`);
  });

  it('redacts a secret that contains another whole, longest first', () => {
    const redact = createRedactor(['abc', 'xxabcxx']);
    expect(redact('1 xxabcxx 2 abc')).toBe(`1 ${REDACTED} 2 ${REDACTED}`);
  });

  it('redacts the form encoding of a secret with a space (space as +)', () => {
    expect(createRedactor(['a b&c'])('x=a+b%26c')).toBe(`x=${REDACTED}`);
  });

  it('ignores an absent or empty secret: the text keeps "undefined", and is not cut up', () => {
    const redact = createRedactor([undefined, '', 'tok-1']);
    expect(redact('undefined token tok-1, then null')).toBe(`undefined token ${REDACTED}, then null`);
    expect(createRedactor([undefined, ''])('abc')).toBe('abc');
  });

  it('replaces every occurrence, in every form at once', () => {
    const redact = createRedactor(['a/b c']);
    expect(redact('a/b c | a%2Fb%20c | a%2Fb+c | a/b c')).toBe(
      `${REDACTED} | ${REDACTED} | ${REDACTED} | ${REDACTED}`,
    );
  });

  it('redacts a secret with "*" percent-encoded as PHP does (%2A, %2a)', () => {
    const redact = createRedactor(['S3cr3t*Value*42']);
    expect(redact('bad client_secret=S3cr3t%2AValue%2A42')).toBe(`bad client_secret=${REDACTED}`);
    expect(redact('bad client_secret=S3cr3t%2aValue%2a42')).toBe(`bad client_secret=${REDACTED}`);
  });

  it("redacts rawurlencode (space %20, ~ kept) and urlencode (space +, ~ %7E) of !'()*~", () => {
    const redact = createRedactor(["a~b c!'()*"]);
    const echoes = [
      'a~b%20c%21%27%28%29%2A',
      'a~b%20c%21%27%28%29%2a',
      'a~b+c%21%27%28%29%2A',
      'a%7Eb+c%21%27%28%29%2A',
      'a%7eb+c%21%27%28%29%2a',
      'a%7Eb%20c%21%27%28%29%2A',
    ];
    expect(redact(echoes.join(' | '))).toBe(echoes.map(() => REDACTED).join(' | '));
  });

  it('leaves a text without any secret as it is', () => {
    expect(createRedactor(['secret-1'])('nothing to see')).toBe('nothing to see');
  });
});

const server = useLocalServer();

describe('what the client reports when the server echoes every form', () => {
  const clients: [string, Partial<RevocationClientOptions>][] = [
    ['client_secret_basic', { credentials: { clientId: 'id', clientSecret: SECRET } }],
    ['a bearer token', { accessToken: BEARER }],
  ];
  it.each(clients)('with %s', async (_label, authentication) => {
    server.handle((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_request', error_description: FORMS.join(' | ') }));
    });
    const events: RevocationEvent[] = [];
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      retry: false,
      onEvent: (event) => events.push(event),
      ...authentication,
    });
    const error = (await client.revoke(TOKEN).catch((e: unknown) => e)) as Error;
    expect((error as { oauthErrorDescription?: string }).oauthErrorDescription).toContain(REDACTED);
    const reported = [
      error.message,
      String(error.stack),
      JSON.stringify(error),
      inspect(error),
      JSON.stringify(events),
    ];
    // A client knows only what it sent: the token, and its secret or its bearer.
    const sent = authentication.accessToken ? [TOKEN, BEARER] : [TOKEN, SECRET];
    const leaks = sent.flatMap(formsOf).filter((form) => reported.some((text) => text.includes(form)));
    expect(leaks).toEqual([]);
  });
});
