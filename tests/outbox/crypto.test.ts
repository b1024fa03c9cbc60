// Tokens sealed with Web Crypto open with node:crypto (the workers' path), bound to their job and key.
import { generateEncryptionKey, importKeys, open, seal } from '../../src/outbox/crypto';

test('a payload sealed with Web Crypto opens with node:crypto; another job id, key or byte fails', async () => {
  const [key, other] = await importKeys([generateEncryptionKey(), generateEncryptionKey()]);
  if (!key || !other) throw new Error('two keys expected');
  const sealed = await seal('{"refreshToken":"tok-é"}', key, 'job-1');
  expect(open(sealed, [other, key], 'job-1')).toBe('{"refreshToken":"tok-é"}');
  expect(() => open(sealed, [key], 'job-2')).toThrow();
  expect(() => open({ ...sealed, k: other.id }, [other], 'job-1')).toThrow();
  expect(() => open(sealed, [other], 'job-1')).toThrow(/no encryption key/);
  const bytes = Buffer.from(sealed.ct, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  expect(() => open({ ...sealed, ct: bytes.toString('base64') }, [key], 'job-1')).toThrow();
  expect(() => open({ ...sealed, ct: 'AAAA' }, [key], 'job-1')).toThrow(/shorter than its tag/);
});
