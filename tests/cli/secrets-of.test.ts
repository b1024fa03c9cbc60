// What the CLI redacts from everything it prints, beyond the client's credentials: the password of the
// outbox store's URL and the outbox's keys from the environment, as it does for proxy URLs.
import { secretsOf } from '../../src/cli/redaction';

it("holds the outbox store URL's user information and password, and each outbox key", () => {
  const secrets = secretsOf({
    DIGILOCKER_CLIENT_SECRET: 'client-secret',
    DIGILOCKER_OUTBOX_STORE: ' POSTGRES://app:pa%24%24word@db.internal/app',
    DIGILOCKER_OUTBOX_KEYS: 'key-one, key-two',
  });
  expect(secrets).toEqual(
    expect.arrayContaining([
      'client-secret',
      'app:pa%24%24word',
      'pa%24%24word',
      'pa$$word',
      'key-one',
      'key-two',
    ]),
  );
});

it("holds nothing of a store URL's user name without a password, which every store message names", () => {
  const secrets = secretsOf({ DIGILOCKER_OUTBOX_STORE: 'postgres://postgres@127.0.0.1:1/postgres' }, [
    '--store',
    'postgresql://outbox@db.internal/app',
  ]);
  expect(secrets).toEqual([]);
});

it("still holds a proxy's user name without a password: it may be a token", () => {
  expect(secretsOf({ HTTPS_PROXY: 'http://proxy-token@proxy.internal:3128' })).toContain('proxy-token');
});
