// sha256Hex and tokenFingerprint: the SHA-256 of the UTF-8 bytes (@noble/hashes), as hex, as node:crypto gives it.
import { createHash } from 'node:crypto';
import { sha256Hex, tokenFingerprint } from '../../src';

const nodeSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

it.each([
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
])('sha256Hex gives the FIPS 180-4 example digest (example %#)', async (text, digest) => {
  await expect(sha256Hex(text)).resolves.toBe(digest);
});

it('hashes the UTF-8 bytes of any text, as node:crypto does', async () => {
  for (const text of ['é', '€', '😀', 'ｔｏｋｅｎ', '\u0000'])
    await expect(sha256Hex(text)).resolves.toBe(nodeSha256(text));
});

it('gives a token fingerprint that is the first 12 hex digits of the digest', async () => {
  await expect(tokenFingerprint('abc')).resolves.toBe('ba7816bf8f01');
});
