// What a run remembers of each distinct token it sent: copies handed over and whether one finished,
// by a key that is the first 128 bits of the token's SHA-256 (the same key as the journal's).
import { createHash } from 'node:crypto';
import { SentTokens } from '../../src/cli/sent-tokens';
import { digestOf, keyOf, keyOfHex } from '../../src/cli/token-digest';

describe('digestOf', () => {
  it('gives the SHA-256 in hex and a 16-character key that keyOfHex finds again from the hex', () => {
    const digest = digestOf('a-token');
    expect(digest.hex).toBe(createHash('sha256').update('a-token').digest('hex'));
    expect(digest.key).toHaveLength(16);
    expect(keyOfHex(digest.hex)).toBe(digest.key);
    expect(digestOf('another-token').key).not.toBe(digest.key);
    expect(keyOf('a-token')).toBe(digest.key);
  });
});

describe('SentTokens', () => {
  const { key } = digestOf('a-token');

  it('counts the copies handed over', () => {
    const sent = new SentTokens();
    expect(sent.copies(key)).toBe(0);
    sent.add(key);
    sent.add(key);
    expect(sent.copies(key)).toBe(2);
    expect(sent.isFinished(key)).toBe(false);
  });

  it('keeps a finished token finished, its copies counted, and after forget', () => {
    const sent = new SentTokens();
    sent.add(key);
    sent.finish(key);
    sent.add(key);
    expect(sent.isFinished(key)).toBe(true);
    expect(sent.copies(key)).toBe(2);
    sent.forget(key);
    expect(sent.copies(key)).toBe(0);
    expect(sent.isFinished(key)).toBe(true);
  });

  it('forgets the copies of a token that did not finish: a later copy is new', () => {
    const sent = new SentTokens();
    sent.add(key);
    sent.forget(key);
    expect(sent.copies(key)).toBe(0);
    expect(sent.isFinished(key)).toBe(false);
  });
});
