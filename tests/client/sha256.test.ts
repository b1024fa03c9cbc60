// The core's own SHA-256 (src/sha256.ts), behind sha256Hex and every token fingerprint: the FIPS 180-4
// examples, every length around the block boundaries, and random text, against node:crypto.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sha256Hex, tokenFingerprint } from '../../src';
import { sha256HexNow } from '../../src/sha256';

const nodeSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['a'.repeat(1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ])('gives the FIPS 180-4 example digest (example %#)', async (text, digest) => {
    expect(sha256HexNow(text)).toBe(digest);
    await expect(sha256Hex(text)).resolves.toBe(digest);
  });

  it('agrees with node:crypto on every length from 0 to 300 bytes, across the block boundaries', () => {
    // Up and then down: a longer input's bytes must not linger into a shorter one's padding.
    const lengths = Array.from({ length: 301 }, (_, i) => i);
    for (const length of [...lengths, ...lengths.reverse()]) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(33 + ((i * 7 + length) % 94))).join(
        '',
      );
      expect(sha256HexNow(text)).toBe(nodeSha256(text));
    }
  });

  it('hashes the UTF-8 bytes of any text, as node:crypto does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        expect(sha256HexNow(text)).toBe(nodeSha256(text));
      }),
      { numRuns: 500 },
    );
  });

  it('gives a token fingerprint that is the first 12 hex digits of the digest', async () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.canary-token';
    await expect(tokenFingerprint(token)).resolves.toBe(nodeSha256(token).slice(0, 12));
  });
});
