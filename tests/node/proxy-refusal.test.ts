// A proxy that refuses the tunnel to DigiLocker: nothing was sent, so nothing can have been revoked. A
// 407 (the proxy wants other credentials) or a 403 (its policy) is not retried, since a retry meets the
// same answer and a proxy may lock the account out after a few failed logins; a 502 is retried.
import { createRevocationClient, NetworkError } from '../../src';
import { createNodeFetch } from '../../src/node';
import { leaksIn, renderings } from '../support/canaries';
import { startProxy, type TestProxy } from '../support/proxy';

let proxy: TestProxy | undefined;
afterEach(() => proxy?.close());

const PROXY_PASSWORD = 'CANARY-PROXY-p@ss/7';
const CREDENTIALS = `canary-user:${encodeURIComponent(PROXY_PASSWORD)}`;

async function revokeThroughProxyAnswering(status: number) {
  // The tunnel's target needs no server: the proxy refuses before any byte reaches it.
  proxy = await startProxy({ upstream: 'http://127.0.0.1:9', refuseConnect: status });
  const fetch = createNodeFetch({ proxy: proxy.url.replace('http://', `http://${CREDENTIALS}@`) });
  const client = createRevocationClient({
    baseUrl: 'https://digilocker.test/public',
    credentials: { clientId: 'client', clientSecret: 'client-secret-value' },
    fetch,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
  });
  const error = await client.revoke('leaked-token-value').catch((e: unknown) => e);
  await fetch.close();
  return {
    error: error as NetworkError,
    connects: proxy.seen.filter((seen) => seen.line.startsWith('CONNECT')),
  };
}

it.each([407, 403])('a %i to CONNECT fails at once, names the proxy, and revoked nothing', async (status) => {
  const { error, connects } = await revokeThroughProxyAnswering(status);
  expect(error).toBeInstanceOf(NetworkError);
  expect(error).toMatchObject({ attempts: 1, retryable: false, mayHaveRevoked: false });
  expect(error.message).toContain(`A proxy refused the request to DigiLocker (${status}`);
  expect(connects).toHaveLength(1);
  expect(connects[0]?.headers['proxy-authorization']).toMatch(/^Basic /); // the credentials were sent
  // The proxy's credentials appear nowhere in the error, in any encoding.
  expect(leaksIn(renderings(error), [PROXY_PASSWORD, CREDENTIALS])).toEqual([]);
});

it('a 502 to CONNECT is retried, and revoked nothing', async () => {
  const { error, connects } = await revokeThroughProxyAnswering(502);
  expect(error).toMatchObject({ code: 'network_error', attempts: 3, retryable: true, mayHaveRevoked: false });
  expect(connects).toHaveLength(3);
});
