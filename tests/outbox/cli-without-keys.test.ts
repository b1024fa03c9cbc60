import { importKeys } from '../../src/outbox/crypto';
import { credentialsOf, runCli, useCliFixture } from '../cli/cli-harness';
import { freshDirectory, queueThroughCli } from './child-harness';
import { KEY } from './support';

const fixture = useCliFixture();
let store: { path: string; remove: () => void };
beforeEach(async () => {
  store = await freshDirectory();
}, 120_000);
afterEach(() => store.remove());

const withKeys = () => ({ ...credentialsOf(fixture.digilocker), DIGILOCKER_OUTBOX_KEYS: KEY });

/** A drain refused for its credentials (a wrong secret): the queue is paused for them. */
function drainWithWrongSecret(...extra: string[]) {
  const args = ['outbox', 'drain', '--store', store.path, '--base-url', fixture.digilocker.baseUrl];
  return runCli([...args, ...extra], {
    env: { ...withKeys(), DIGILOCKER_CLIENT_SECRET: 'wrong-secret-0123456789abcdef' },
  });
}

it('a drain refused for its credentials says, in the CLI words, what ends the pause', async () => {
  await queueThroughCli(fixture, store.path, 1);
  const { code, stderr } = await drainWithWrongSecret();
  expect(code).toBe(2);
  const said = stderr.split('\n').find((line) => line.startsWith('error: ')) ?? '';
  expect(said).toMatch(/^error: DigiLocker refused the client credentials \(invalid_client\)/);
  expect(said).toContain('DIGILOCKER_CLIENT_ID and DIGILOCKER_CLIENT_SECRET');
  expect(said).toContain('DIGILOCKER_ACCESS_TOKEN, with --auth bearer');
  expect(said).toMatch(/digilocker-revoke outbox resume$/);
  // The library's words, which a CLI user never wrote.
  expect(said).not.toContain('resume()');
  expect(said).not.toContain('credentialsId');

  const json = await drainWithWrongSecret('--json');
  expect(json.code).toBe(2);
  expect(JSON.parse(json.stdout).error).toEqual({
    code: 'paused_invalid_client',
    message: said.slice('error: '.length),
  });
}, 120_000);

it('status, resume, keys, retry-dead, purge and purge-key work without DIGILOCKER_OUTBOX_KEYS; drain and --via-outbox need it', async () => {
  // One dead job (DigiLocker refuses it for good), then one left waiting by refused credentials.
  await queueThroughCli(fixture, store.path, 1);
  fixture.digilocker.inject({ type: 'status', status: 400, body: '{"error":"invalid_request"}' });
  const dead = await runCli(
    ['outbox', 'drain', '--store', store.path, '--base-url', fixture.digilocker.baseUrl],
    { env: withKeys() },
  );
  expect(dead.code).toBe(1);
  await queueThroughCli(fixture, store.path, 1);
  expect((await drainWithWrongSecret()).code).toBe(2);

  const keyId = ((await importKeys([KEY]))[0] as { id: string }).id;
  const runs: { stdout: string; stderr: string }[] = [];
  const cli = async (...args: string[]) => {
    const run = await runCli(['outbox', ...args, '--store', store.path], { env: {} });
    runs.push(run);
    return run;
  };

  const status = await cli('status', '--json');
  expect(status.code).toBe(0);
  const { stats } = JSON.parse(status.stdout);
  expect(stats).toMatchObject({ dead: 1, pause: { reason: 'invalid_client' } });
  expect(stats.queued + stats.retrying).toBe(1);

  const keys = await cli('keys');
  expect(keys.code).toBe(0);
  expect(keys.stdout).toMatch(new RegExp(`^${keyId} +\\? +1 +0 +1$`, 'm'));
  expect(keys.stdout).toContain('held: not known, as DIGILOCKER_OUTBOX_KEYS is not set');
  expect(keys.stdout).not.toContain(`purge-key ${keyId}`);
  expect(JSON.parse((await cli('keys', '--json')).stdout).keys).toEqual([
    { keyId, held: null, waiting: 1, running: 0, dead: 1 },
  ]);

  expect(await cli('resume')).toMatchObject({ code: 0, stdout: 'resumed\n' });
  expect(JSON.parse((await cli('status', '--json')).stdout).stats.pause).toBeNull();
  expect(await cli('retry-dead')).toMatchObject({ code: 0, stdout: 'queued again: 1\n' });
  expect(await cli('purge')).toMatchObject({ code: 0, stdout: 'deleted: 0\n' });

  const unconfirmed = await cli('purge-key', keyId);
  expect(unconfirmed.code).toBe(2);
  expect(unconfirmed.stderr).toMatch(
    /deletes 2 job\(s\) .*DIGILOCKER_OUTBOX_KEYS is not set: whether an instance holds that key is not checked.*--yes/,
  );
  expect(await cli('purge-key', keyId, '--yes')).toMatchObject({ code: 0, stdout: 'deleted: 2\n' });

  // What encrypts or decrypts still needs the keys, with today's message.
  const drain = await runCli(
    ['outbox', 'drain', '--store', store.path, '--base-url', fixture.digilocker.baseUrl],
    { env: credentialsOf(fixture.digilocker) },
  );
  expect(drain.code).toBe(2);
  expect(drain.stderr).toContain('Set DIGILOCKER_OUTBOX_KEYS');
  const enqueue = await runCli(['revoke', '--via-outbox', store.path, 'a-refresh-token-0123456789'], {
    env: {},
  });
  expect(enqueue.code).toBe(2);
  expect(enqueue.stderr).toContain('Set DIGILOCKER_OUTBOX_KEYS');
  expect(runs.map((run) => run.stdout + run.stderr).join('')).not.toContain(KEY);
}, 180_000);

it('with DIGILOCKER_OUTBOX_KEYS set, keys says which are held, as before', async () => {
  await queueThroughCli(fixture, store.path, 1);
  const keyId = ((await importKeys([KEY]))[0] as { id: string }).id;
  const keys = await runCli(['outbox', 'keys', '--store', store.path], { env: withKeys() });
  expect(keys.code).toBe(0);
  expect(keys.stdout).toMatch(new RegExp(`^${keyId} +yes +1 +0 +0$`, 'm'));
  expect(keys.stdout).not.toContain('not known');
}, 120_000);
