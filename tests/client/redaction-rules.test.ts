// createRedactor's rules beyond the encodings (redaction-encodings.test.ts): a secret that is absent or
// empty stands for nothing, so it redacts nothing, and every occurrence of a secret goes, not the first.
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

  it('leaves a text without any secret as it is', () => {
    expect(createRedactor(['secret-1'])('nothing to see')).toBe('nothing to see');
  });
});
