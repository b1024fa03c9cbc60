// aroundCall wraps each token's call, all its attempts, in revoke, signOut and revokeMany: onEvent and
// the requests of the call run inside it (its async context), so that instrumentation can put each
// token's work in a span of its own.
import { AsyncLocalStorage } from 'node:async_hooks';
import nock from 'nock';
import { createRevocationClient, type RevocationClientOptions } from '../../src';
import { BASE, instantClock, PATH } from '../support/fixtures';
import { useNock } from '../support/use-nock';

useNock();

const storage = new AsyncLocalStorage<string>();

function wrappedClient(seen: string[], overrides: Partial<RevocationClientOptions> = {}) {
  let calls = 0;
  return createRevocationClient({
    credentials: { clientId: 'id', clientSecret: 'secret' },
    clock: instantClock(),
    random: () => 0,
    aroundCall: (call, run) => {
      const name = `call ${++calls} ${call.tokenTypeHint ?? 'no hint'}`;
      seen.push(`${name} starts`);
      return storage.run(name, run);
    },
    onEvent: (event) => seen.push(`${event.type} ${event.attempt} in ${storage.getStore() ?? 'nothing'}`),
    ...overrides,
  });
}

it('wraps revoke: every attempt and event of the call runs inside it', async () => {
  nock(BASE).post(PATH).reply(503).post(PATH).reply(200);
  const seen: string[] = [];
  await wrappedClient(seen).revoke('t1', { tokenTypeHint: 'access_token' });
  expect(seen).toEqual([
    'call 1 access_token starts',
    'request 1 in call 1 access_token',
    'response 1 in call 1 access_token',
    'retry 1 in call 1 access_token',
    'request 2 in call 1 access_token',
    'response 2 in call 1 access_token',
  ]);
});

it('wraps each token of signOut and revokeMany once, and no input that fails validation', async () => {
  nock(BASE).post(PATH).times(4).reply(200);
  const seen: string[] = [];
  const client = wrappedClient(seen);
  await client.signOut({ accessToken: 'a', refreshToken: 'r' });
  for await (const _outcome of client.revokeMany(['x', '', 'y'], { concurrency: 1 })) {
    // drained
  }
  expect(seen.filter((line) => line.endsWith('starts'))).toEqual([
    'call 1 refresh_token starts',
    'call 2 access_token starts',
    'call 3 no hint starts',
    'call 4 no hint starts',
  ]);
});

it('refuses an aroundCall that is not a function', () => {
  expect(() => wrappedClient([], { aroundCall: 'no' as never })).toThrow('aroundCall must be a function');
});
