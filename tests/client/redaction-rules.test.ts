// createRedactor's rules beyond the encodings (redaction-encodings.test.ts): a secret that is absent or
// empty stands for nothing, so it redacts nothing, and every occurrence of a secret goes, not the first.
// A percent-encoder stricter than encodeURIComponent (PHP's urlencode, rawurlencode) still matches.
import { createRedactor, REDACTED } from '../../src/redact';

describe('createRedactor', () => {
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
