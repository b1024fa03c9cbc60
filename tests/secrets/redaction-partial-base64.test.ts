// A server may echo a whole request body (or a Basic header) in base64, base64url or hex: the secret is
// then inside a longer encoded text, at a byte offset that need not be a multiple of 3. The redactor
// removes the base64 characters that the secret's bytes alone determine, at any offset, when they are
// long enough not to match ordinary text; what is left no longer decodes to the secret.
import { inspect } from 'node:util';
import { createRevocationClient } from '../../src';
import { redactEchoes, secretsRedactor } from '../../src/cli/redaction';
import { createRedactor, MIN_PARTIAL_BASE64, REDACTED } from '../../src/redact';

const TOKEN = 'a3f1c9e2b7d4058f6e1a2b3c4d5e6f708192a3b4';
const SECRET = 'CANARY s3cr3t/+=Secret!*~é';
const formEncode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);

type Encoding = 'base64' | 'base64url' | 'hex';
const ENCODINGS: Encoding[] = ['base64', 'base64url', 'hex'];

/** What the pieces of a redacted text decode to, each on its own (a piece starts on a group boundary). */
const decodedPieces = (redacted: string, encoding: Encoding) =>
  redacted.split(REDACTED).map((piece) => Buffer.from(piece, encoding).toString('utf8'));

describe('base64, base64url and hex of a text that embeds the secret', () => {
  const cases: [string, string, Encoding][] = [];
  for (const prefix of ['', 'x', 'xy', 'token=', 'token=x', 'client_id=abc&client_secret='])
    for (const encoding of ENCODINGS) cases.push([prefix, String(prefix.length % 3), encoding]);

  it.each(cases)('after %j (offset %s modulo 3), in %s', (prefix, _offset, encoding) => {
    for (const secret of [TOKEN, SECRET]) {
      const body = `${prefix}${secret}&token_type_hint=access_token`;
      const encoded = Buffer.from(body).toString(encoding);
      const redacted = createRedactor([secret])(encoded);
      expect(redacted).toContain(REDACTED);
      for (const piece of decodedPieces(redacted, encoding)) expect(piece).not.toContain(secret);
    }
  });

  it.each(ENCODINGS.map((encoding) => [encoding]))(
    'of a form-encoded body that carries the secret encoded, in %s',
    (encoding) => {
      for (const prefix of ['token=', 'token=x&client_secret=', 'client_secret=']) {
        const body = `${prefix}${formEncode(SECRET)}&token_type_hint=access_token`;
        const redacted = createRedactor([SECRET])(Buffer.from(body).toString(encoding));
        for (const piece of decodedPieces(redacted, encoding))
          expect(piece).not.toContain(formEncode(SECRET));
      }
    },
  );

  it('in the CLI, for the secrets of the environment and for the token of a message', () => {
    const body = `token=${TOKEN}&client_secret=${formEncode(SECRET)}&x=1`;
    for (const encoding of ENCODINGS) {
      const encoded = Buffer.from(body).toString(encoding);
      const redacted = secretsRedactor([SECRET])(redactEchoes(encoded, TOKEN));
      for (const piece of decodedPieces(redacted, encoding)) {
        expect(piece).not.toContain(TOKEN);
        expect(piece).not.toContain(formEncode(SECRET));
      }
    }
  });
});

describe('a secret too short for its partial base64 forms', () => {
  it('redacts its whole forms, not the base64 of a longer word that starts with it', () => {
    const redact = createRedactor(['admin']);
    const administrator = Buffer.from('administrator').toString('base64'); // starts with base64 of "adm"
    expect(redact(`role ${administrator}`)).toBe(`role ${administrator}`);
    expect(redact(`role ${Buffer.from('admin').toString('base64url')}`)).toBe(`role ${REDACTED}`);
  });

  it(`uses no partial form shorter than ${MIN_PARTIAL_BASE64} characters`, () => {
    // 11 bytes determine at most 13 characters of a longer text's base64: ordinary text could hold them.
    const secret = 'password123';
    for (const prefix of ['', 'a', 'ab']) {
      const encoded = Buffer.from(`${prefix}${secret}xyz`).toString('base64');
      expect(createRedactor([secret])(encoded)).toBe(encoded);
    }
  });
});

describe('what the client reports when the server echoes its request body encoded', () => {
  it.each(ENCODINGS.map((encoding) => [encoding]))('in %s', async (encoding) => {
    let echoed = '';
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      echoed = Buffer.from(String(init?.body)).toString(encoding);
      const description = `body ${echoed} auth ${new Headers(init?.headers).get('authorization')}`;
      return new Response(JSON.stringify({ error: 'invalid_request', error_description: description }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    };
    const client = createRevocationClient({
      baseUrl: 'https://digilocker.example/public',
      retry: false,
      fetch,
      credentials: { clientId: 'client-id', clientSecret: SECRET },
      clientAuthentication: 'client_secret_post',
    });
    const error = (await client.revoke(TOKEN).catch((e: unknown) => e)) as Error;
    expect(echoed).not.toBe('');
    const reported = [error.message, String(error.stack), JSON.stringify(error), inspect(error)].join('\n');
    expect(reported).toContain(REDACTED);
    for (const needle of [TOKEN, SECRET, formEncode(SECRET)]) {
      for (const run of reported.match(/[A-Za-z0-9+/_=-]+/g) ?? []) {
        expect(Buffer.from(run, encoding).toString('utf8')).not.toContain(needle);
      }
    }
  });
});
