// The caller's signal and the call's time budget hold while the client gets an access token, as they
// do for an attempt. A token fetch shared by several calls is never cancelled by one caller's abort:
// each caller stops waiting on its own, and the fetch goes on for the others, bounded by its own
// timeout, which holds even when the fetch implementation ignores its signal.
import { clientCredentialsTokenProvider, createRevocationClient, TimeoutError } from '../../src';
import { rejection } from '../support/fixtures';
import { useLocalServer } from '../support/local-server';

const server = useLocalServer();

/** Revoke answers 200 at once; the token endpoint answers after `tokenDelayMs` (never when Infinity). */
function serve(tokenDelayMs: number) {
  server.handle((request, response) => {
    if (!request.url?.endsWith('/oauth2/1/token')) return void response.end();
    if (!Number.isFinite(tokenDelayMs)) return;
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"access_token":"at-1","token_type":"Bearer","expires_in":3600}');
    }, tokenDelayMs);
  });
}
const revokeRequests = () => server.requests.filter((path) => path.endsWith('/revoke')).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an access-token function that is slow', () => {
  it('does not hold a call the caller aborts: the call rejects at once and sends nothing', async () => {
    serve(0);
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      accessToken: () => sleep(500).then(() => 'at-slow'),
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const error = await rejection(client.revoke('tok', { signal: controller.signal }));
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(400);
    await sleep(600); // the token function has returned by now
    expect(revokeRequests()).toBe(0);
  });

  it('does not let a call overrun its budget, and sends no attempt once the budget is spent', async () => {
    serve(Number.POSITIVE_INFINITY);
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      accessToken: clientCredentialsTokenProvider({
        clientId: 'id',
        clientSecret: 'secret',
        timeoutMs: 5000,
      }),
      retry: { maxElapsedMs: 400 },
    });
    const started = performance.now();
    const error = await rejection(client.revoke('tok'));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
    await sleep(200);
    expect(revokeRequests()).toBe(0);
  });
});

describe('a token fetch shared by two calls', () => {
  it('goes on for one caller when the other aborts', async () => {
    serve(300);
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      accessToken: clientCredentialsTokenProvider({ clientId: 'id', clientSecret: 'secret' }),
    });
    const a = new AbortController();
    const callA = client.revoke('token-a', { signal: a.signal });
    const callB = client.revoke('token-b');
    setTimeout(() => a.abort(), 50);
    expect(((await rejection(callA)) as Error).name).toBe('AbortError');
    await expect(callB).resolves.toMatchObject({ outcome: 'revoked' });
    expect(server.requests.filter((path) => path.endsWith('/token'))).toHaveLength(1);
  });

  it("stops each caller's wait on its own abort", async () => {
    serve(Number.POSITIVE_INFINITY);
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      accessToken: clientCredentialsTokenProvider({ clientId: 'id', clientSecret: 'secret' }),
    });
    const a = new AbortController();
    const b = new AbortController();
    const callA = rejection(client.revoke('token-a', { signal: a.signal }));
    const callB = rejection(client.revoke('token-b', { signal: b.signal }));
    setTimeout(() => a.abort(), 50);
    setTimeout(() => b.abort(), 100);
    const started = performance.now();
    expect(((await callA) as Error).name).toBe('AbortError');
    expect(((await callB) as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("the provider's own timeout", () => {
  it('holds when the fetch implementation never settles and ignores its signal', async () => {
    const provider = clientCredentialsTokenProvider({
      clientId: 'id',
      clientSecret: 'secret',
      tokenUrl: 'https://auth.example.test/oauth2/1/token',
      fetch: () => new Promise<Response>(() => {}),
      timeoutMs: 200,
    });
    const started = performance.now();
    const error = await rejection(provider());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
