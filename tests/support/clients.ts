// The client factories the tests share: one set of test credentials, one base URL for an injected
// fetch, and the client over an injected fetch, clock and random source (exact backoff, no waiting).
import {
  type Clock,
  createRevocationClient,
  type RevocationClient,
  type RevocationClientOptions,
} from '../../src';

/** The credentials of the test clients (test values, never real ones). */
export const TEST_CREDENTIALS = { clientId: 'id', clientSecret: 'secret' } as const;

/** The base URL of clients whose fetch is injected: never resolved, never reached. */
export const SCRIPTED_BASE = 'https://digilocker.test/public';

/** A client with the test credentials (unless `options` brings its own, or an accessToken), then `options`. */
export function testClient(options: Partial<RevocationClientOptions> = {}): RevocationClient {
  const auth =
    options.accessToken === undefined && options.credentials === undefined
      ? { credentials: TEST_CREDENTIALS }
      : {};
  return createRevocationClient({ ...auth, ...options });
}

/** A client over an injected fetch, clock and random source (0.5): exact delays, nothing waits. */
export function scriptedClient(
  fetch: RevocationClientOptions['fetch'],
  clock: Clock,
  options: Partial<RevocationClientOptions> = {},
): RevocationClient {
  return testClient({ baseUrl: SCRIPTED_BASE, fetch, clock, random: () => 0.5, ...options });
}
