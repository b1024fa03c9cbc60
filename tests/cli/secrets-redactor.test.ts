// The CLI's redactor of secrets: a real secret is redacted anywhere, in every form; one too short to
// tell from ordinary text (a proxy user `u`, a password `p`) only where it stands whole, so that it
// cannot wreck the CLI's own messages.
import { secretsOf, secretsRedactor } from '../../src/cli/redaction';

const REFUSAL =
  '--proxy must not hold a user or password, which other processes can read on the command line: ' +
  'give that proxy URL in HTTPS_PROXY (HTTP_PROXY for a plain-http base URL) instead';

it('leaves a message alone where a short proxy user or password only occurs inside words', () => {
  const redact = secretsRedactor(secretsOf({ HTTPS_PROXY: 'http://u:p@proxy.example:3128' }));
  expect(redact(REFUSAL)).toBe(REFUSAL);
  expect(redact('revoked: 70, failed: 0 (cA)')).toBe('revoked: 70, failed: 0 (cA)'); // p's hex and base64
  const proxyUser = secretsRedactor(secretsOf({ HTTPS_PROXY: 'http://proxy:pw@proxy.example:3128' }));
  expect(proxyUser(REFUSAL)).toBe(REFUSAL);
});

it('redacts a short secret where it stands whole: a URL part, a word, percent-encoded', () => {
  const redact = secretsRedactor(secretsOf({ HTTPS_PROXY: 'http://u:p%2F1@proxy.example:3128' }));
  expect(redact('via http://u:p%2F1@proxy.example:3128')).toBe('via http://[REDACTED]@proxy.example:3128');
  expect(redact('password p/1 refused')).toBe('password [REDACTED] refused');
  expect(redact('password "p%2F1" refused')).toBe('password "[REDACTED]" refused');
  expect(redact('user u:p/1')).toBe('user [REDACTED]');
});

it('still redacts a real secret anywhere, in every form', () => {
  const secret = 'cl1ent-s3cret';
  const redact = secretsRedactor([secret, 'p']);
  expect(redact(`x${secret}y`)).toBe('x[REDACTED]y');
  expect(redact(Buffer.from(secret).toString('base64'))).toBe('[REDACTED]');
  // Inside a longer base64 text (a Basic header of `user:<secret>`): its partial base64 form.
  expect(redact(Buffer.from(`user:${secret}`).toString('base64'))).toMatch(/^.{0,8}\[REDACTED\].{0,4}$/);
});
