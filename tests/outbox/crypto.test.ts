// Tokens sealed with Web Crypto open with node:crypto (the workers' path), bound to their job and key.
import { generateEncryptionKey, importKeys, open, seal } from '../../src/outbox/crypto';

test('a payload sealed with Web Crypto opens with node:crypto; another job id, key or byte fails', async () => {
  const [key, other] = await importKeys([generateEncryptionKey(), generateEncryptionKey()]);
  if (!key || !other) throw new Error('two keys expected');
  const sealed = await seal('{"refreshToken":"tok-é"}', key, 'job-1');
  expect(open(sealed, [other, key], 'job-1')).toBe('{"refreshToken":"tok-é"}');
  // GCM's tag check (node:crypto's own error, which has no code): another job id, key or byte.
  const unauthentic = new Error('Unsupported state or unable to authenticate data');
  expect(() => open(sealed, [key], 'job-2')).toThrow(unauthentic);
  expect(() => open({ ...sealed, k: other.id }, [other], 'job-1')).toThrow(unauthentic);
  const bytes = Buffer.from(sealed.ct, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  expect(() => open({ ...sealed, ct: bytes.toString('base64') }, [key], 'job-1')).toThrow(unauthentic);
  // Internal errors, never thrown to a caller: a worker checks the key id first (a job it cannot open is
  // given back, unknown_key) and makes any other failure a dead job (undecryptable).
  expect(() => open(sealed, [other], 'job-1')).toThrow(new Error(`no encryption key with id ${key.id}`));
  expect(() => open({ ...sealed, ct: 'AAAA' }, [key], 'job-1')).toThrow(
    new Error('the ciphertext is shorter than its tag'),
  );
});
