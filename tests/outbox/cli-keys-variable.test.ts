// DIGILOCKER_OUTBOX_KEYS as the CLI user wrote it: a bad entry (not a key, empty, repeated) and a
// drain that lacks the pending jobs' key are said by the variable's name and the entry's position,
// with how to make a key, never by the library's option (`encryptionKeys[0]`) and never quoting a key.
// In process (runCliInProcess), on embedded stores: no build needed.
import { join } from 'node:path';
import { openRevocationOutbox } from '../../src/outbox';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { runCliInProcess } from '../support/cli-in-process';
import { KEY, scratchDirectory } from './support';

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

const credentials = { DIGILOCKER_CLIENT_ID: 'id', DIGILOCKER_CLIENT_SECRET: 'client-secret-0123' };
const hexKey = Buffer.from(KEY, 'base64').toString('hex');

describe('a bad DIGILOCKER_OUTBOX_KEYS exits 2 naming the variable and the entry', () => {
  const cases: [string, string, RegExp][] = [
    [
      'not base64',
      'not-a-key',
      /^error: DIGILOCKER_OUTBOX_KEYS: entry 1 is not a 256-bit key.*openssl rand -base64 32$/m,
    ],
    [
      'the wrong length, second',
      `${KEY},${KEY.slice(0, 40)}`,
      /^error: DIGILOCKER_OUTBOX_KEYS: entry 2 is not a 256-bit key, which is 32 random bytes as base64 \(44 characters\) or hex \(64 characters\)/m,
    ],
    [
      'a placeholder (all zeros) first',
      `${'A'.repeat(43)}=,${KEY}`,
      /^error: DIGILOCKER_OUTBOX_KEYS: entry 1 is not a 256-bit key, which is 32 random bytes/m,
    ],
    [
      'a trailing comma',
      `${KEY},`,
      /^error: DIGILOCKER_OUTBOX_KEYS: entry 2 of 2 \(comma-separated\) is empty: remove the stray comma$/m,
    ],
    ['a doubled comma', `${KEY}, ,${generateEncryptionKey()}`, /entry 2 of 3 \(comma-separated\) is empty/],
    [
      'the same key twice',
      `${KEY}, ${hexKey}`,
      /^error: DIGILOCKER_OUTBOX_KEYS holds the same key twice \(perhaps once as base64, once as hex\)/m,
    ],
  ];
  const commands: [string, string[]][] = [
    ['outbox status', ['outbox', 'status', '--store']],
    ['revoke --via-outbox', ['revoke', 'some-refresh-token-0123456789', '--via-outbox']],
  ];

  for (const [command, argv] of commands)
    it.each(cases)(`${command}: %s`, async (_, keys, message) => {
      const store = join(scratch.path, 'never-opened');
      const run = await runCliInProcess([...argv, store], { ...credentials, DIGILOCKER_OUTBOX_KEYS: keys });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain('encryptionKeys');
      expect(run.stderr).not.toContain(KEY.slice(0, 20));
      expect(run.stderr).not.toContain(hexKey.slice(0, 20));
    });
});

test('spaces around the keys are ignored, as the library ignores them', async () => {
  const path = join(scratch.path, 'spaced');
  await (await openRevocationOutbox({ store: { directory: path }, encryptionKeys: [KEY] })).close();
  const other = generateEncryptionKey();
  const run = await runCliInProcess(['outbox', 'status', '--store', path], {
    DIGILOCKER_OUTBOX_KEYS: ` ${KEY} , ${other} `,
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}, 60_000);

test('a drain without the key of the pending jobs names DIGILOCKER_OUTBOX_KEYS, on stderr and in --json', async () => {
  const path = join(scratch.path, 'other-key');
  const other = generateEncryptionKey();
  const outbox = await openRevocationOutbox({ store: { directory: path }, encryptionKeys: [other] });
  await outbox.enqueue({ refreshToken: 'a-refresh-token-0123456789' });
  await outbox.close();
  const env = { ...credentials, DIGILOCKER_OUTBOX_KEYS: KEY };
  const drain = ['outbox', 'drain', '--store', path, '--base-url', 'http://127.0.0.1:9/public'];
  const said =
    /1 pending job\(s\) were encrypted with key id\(s\) [0-9a-f]{16}, which DIGILOCKER_OUTBOX_KEYS does not hold.*add that key to DIGILOCKER_OUTBOX_KEYS/;

  const run = await runCliInProcess(drain, env);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(said);
  expect(run.stderr).not.toContain('encryptionKeys');

  const json = await runCliInProcess([...drain, '--json'], env);
  expect(json.code).toBe(2);
  const { error } = JSON.parse(json.stdout) as { error: { code: string; message: string } };
  expect(error.code).toBe('key_mismatch');
  expect(error.message).toMatch(said);
  expect(error.message).not.toContain('encryptionKeys');
}, 120_000);
