// A lost key (issue 21 item 10) on a real PostgreSQL server: jobs sealed with a key no instance holds
// block nothing. status, retry-dead and purge work; `jobsByKey` / `outbox keys` list them by key id;
// `purgeKey` / `outbox purge-key <id> --yes` delete them without the key, and refuse a held key.
import { isInputError } from '../../src';
import { KeyMismatchError, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { generateEncryptionKey, importKeys } from '../../src/outbox/crypto';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { credentialsOf, runCli, useCliFixture } from '../cli/cli-harness';
import { clientOf, describeWithPostgres, scratchDirectory, useOwnDatabase } from './support';

const LOST = generateEncryptionKey();
const CURRENT = generateEncryptionKey();
const keyIdOf = async (key: string) => (await importKeys([key]))[0]?.id as string;

describeWithPostgres('a lost key', () => {
  const fixture = useCliFixture();
  const store = useOwnDatabase('lostkey');
  let mock: MockDigiLocker;

  beforeEach(async () => {
    mock = await startMockDigiLocker();
    // Three jobs sealed with a key that is then lost, two with the current one.
    const old = await open(LOST);
    await old.enqueueBatch([1, 2, 3].map(() => mock.issueTokens()));
    await old.close();
  });
  afterEach(() => mock.close());

  function open(key: string): Promise<RevocationOutbox> {
    return openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: store },
      encryptionKeys: [key],
      pollIntervalMs: 100,
    });
  }

  test('drain with only their jobs rejects with a KeyMismatchError that names the way out', async () => {
    const outbox = await open(CURRENT);
    try {
      const error = await outbox.drain().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(KeyMismatchError);
      expect(error).toMatchObject({ code: 'key_mismatch', jobs: 3, missingKeyIds: [await keyIdOf(LOST)] });
      const { message } = error as KeyMismatchError;
      expect(message).toContain('`digilocker-revoke outbox keys`');
      expect(message).toContain('`digilocker-revoke outbox purge-key <key-id> --yes`');
      expect(message).toContain('purgeKey(keyId)');
      expect(message).not.toContain(LOST);
      expect(message).not.toContain(CURRENT);
    } finally {
      await outbox.close();
    }
  }, 60_000);

  test('jobsByKey lists them; stats, retryDead, purgeDead work; purgeKey deletes them; drain ends', async () => {
    const outbox = await open(CURRENT);
    try {
      await outbox.enqueueBatch([1, 2].map(() => mock.issueTokens()));
      const [lost, current] = [await keyIdOf(LOST), await keyIdOf(CURRENT)];
      expect(await outbox.jobsByKey()).toEqual(
        [
          { keyId: lost, held: false, waiting: 3, running: 0, dead: 0 },
          { keyId: current, held: true, waiting: 2, running: 0, dead: 0 },
        ].sort((a, b) => a.keyId.localeCompare(b.keyId)),
      );
      expect(await outbox.stats()).toMatchObject({ queued: 5 });
      expect(await outbox.retryDead()).toBe(0);
      expect(await outbox.purgeDead()).toBe(0);

      for (const [keyId, reason] of [
        [current, /^keyId [0-9a-f]{16} is one of this instance's encryptionKeys/],
        ['not-a-key-id', /^keyId must be a key id, 16 lowercase hex characters/],
        [42, /^keyId must be a string, got number$/],
      ] as const) {
        const error = await outbox.purgeKey(keyId as string).catch((reason: unknown) => reason);
        expect(isInputError(error)).toBe(true);
        expect(error).toMatchObject({
          code: 'invalid_option',
          input: 'keyId',
          message: expect.stringMatching(reason),
        });
      }
      await expect(outbox.purgeKey(current)).rejects.toBeInstanceOf(RangeError);
      await expect(outbox.purgeKey(42 as never)).rejects.toBeInstanceOf(TypeError);
      expect(await outbox.purgeKey(lost)).toBe(3);
      expect(await outbox.jobsByKey()).toEqual([
        { keyId: current, held: true, waiting: 2, running: 0, dead: 0 },
      ]);
      expect(await outbox.drain()).toMatchObject({ queued: 0, retrying: 0, revoked: 2 });
    } finally {
      await outbox.close();
    }
  }, 60_000);

  test('the CLI: status, retry-dead and purge exit 0; keys lists; purge-key needs --yes', async () => {
    const env = { ...credentialsOf(fixture.digilocker), DIGILOCKER_OUTBOX_KEYS: CURRENT };
    const cli = (...args: string[]) => runCli(['outbox', ...args, '--store', store], { env });
    const [lost, current] = [await keyIdOf(LOST), await keyIdOf(CURRENT)];

    expect((await cli('status')).code).toBe(0);
    expect((await cli('retry-dead')).code).toBe(0);
    expect((await cli('purge')).code).toBe(0);
    const keys = await cli('keys');
    expect(keys.code).toBe(0);
    expect(keys.stdout).toMatch(new RegExp(`^${lost} +NO +3 +0 +0$`, 'm'));
    expect(keys.stdout).toContain(`outbox purge-key ${lost} --yes`);
    expect(keys.stdout).toMatch(new RegExp(`^${current} +yes +0 +0 +0$`, 'm'));
    expect(JSON.parse((await cli('keys', '--json')).stdout).keys).toContainEqual({
      keyId: lost,
      held: false,
      waiting: 3,
      running: 0,
      dead: 0,
    });

    const unconfirmed = await cli('purge-key', lost);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(
      /deletes 3 job\(s\) sealed with that key, unsent .*nothing deleted: run it again with --yes/,
    );
    const held = await cli('purge-key', current, '--yes');
    expect(held.code).toBe(2);
    expect(held.stderr).toMatch(/is in DIGILOCKER_OUTBOX_KEYS/);

    const confirmed = await cli('purge-key', lost, '--yes');
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toBe('deleted: 3\n');
    expect((await cli('keys')).stdout).not.toContain(lost);
    const output = [keys, unconfirmed, held, confirmed].map((run) => run.stdout + run.stderr).join('');
    expect(output).not.toContain(LOST);
    expect(output).not.toContain(CURRENT);
  }, 180_000);
});

describe('a lost key, embedded store', () => {
  test('jobsByKey lists its jobs and purgeKey deletes them', async () => {
    const directory = scratchDirectory();
    const open = (key: string) =>
      openRevocationOutbox({ store: { directory: directory.path }, encryptionKeys: [key] });
    try {
      const old = await open(LOST);
      await old.enqueue({ refreshToken: 'r'.repeat(40) });
      await old.enqueue({ refreshToken: 's'.repeat(40) });
      await old.close();
      const outbox = await open(CURRENT);
      try {
        const lost = await keyIdOf(LOST);
        expect(await outbox.jobsByKey()).toContainEqual({
          keyId: lost,
          held: false,
          waiting: 2,
          running: 0,
          dead: 0,
        });
        expect(await outbox.purgeKey(lost)).toBe(2);
        expect(await outbox.stats()).toMatchObject({ queued: 0 });
      } finally {
        await outbox.close();
      }
    } finally {
      directory.remove();
    }
  }, 120_000);
});
