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
