// An attempt that provably never wrote its request never lets a later `invalid_token` count as
// revoked: the answer then stays an InvalidTokenError. Real sockets: a pool of one held busy (the child
// process with almost no file descriptor left is in tests/process/descriptor-exhaustion.test.ts).
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import {
  createRevocationClient,
  InvalidClientError,
  InvalidTokenError,
  NetworkError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedResponseError,
} from '../../src';
import { createNodeFetch } from '../../src/node';
import { type Handler, useLocalServer } from '../support/local-server';
import { nodeFetches } from '../support/node-fetches';

const server = useLocalServer();
const REVOKE = '/public/oauth2/1/revoke';
const credentials = { clientId: 'client', clientSecret: 'secret' };

/** Answers the revocation with RFC 7009's invalid_token and holds `/busy` for `busyMs`. */
function answerInvalidToken(busyMs: number) {
  server.handle((request, response) => {
    if (request.url === '/busy') setTimeout(() => response.end('done'), busyMs);
    else {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":"invalid_token"}');
    }
  });
}

it('a deadline that passes while the request waits for the only connection: not revoked', async () => {
  answerInvalidToken(200);
  const fetch = createNodeFetch({ connections: 1 });
  const events: string[] = [];
  const client = createRevocationClient({
    baseUrl: server.baseUrl,
    credentials,
    fetch,
    timeoutMs: 150,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 5000 },
    onEvent: (event) => {
      if (event.type === 'error' || event.type === 'retry')
        events.push(`${event.type} ${'reason' in event ? event.reason : event.code}`);
    },
  });
  try {
    const busy = fetch(`${server.origin}/busy`);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const outcome = await client.revoke('leaked-token').catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(InvalidTokenError);
    expect(events).toEqual(['error timeout', 'retry timeout', 'error invalid_token']);
    expect(server.requests.filter((path) => path === REVOKE)).toHaveLength(1);
    await (await busy).text();
  } finally {
    await fetch.close();
  }
});

/** A port on 127.0.0.1 that nothing listens on any more. */
async function closedPort(): Promise<number> {
  const listener = createServer().listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

it('a refused connection, then invalid_token: not revoked', async () => {
  answerInvalidToken(0);
  const port = await closedPort();
  let calls = 0;
  const client = createRevocationClient({
    baseUrl: server.baseUrl,
    credentials,
    // The first attempt goes to a port nobody listens on.
    fetch: (input, init) =>
      globalThis.fetch(calls++ === 0 ? String(input).replace(/:\d+\//, `:${port}/`) : input, init),
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 5000 },
  });
  await expect(client.revoke('leaked-token')).rejects.toBeInstanceOf(InvalidTokenError);
});

it('a closed fetch fails at once, without a retry on a new pool', async () => {
  answerInvalidToken(0);
  const fetch = createNodeFetch();
  await fetch.close();
  const client = createRevocationClient({ baseUrl: server.baseUrl, credentials, fetch });
  const error = await client.revoke('a-token').catch((failure: unknown) => failure);
  expect(error).toBeInstanceOf(NetworkError);
  expect(error).toMatchObject({ attempts: 1, retryable: false });
  expect(server.requests).toEqual([]);
});

it('an attempt that timed out after its request was written may have revoked the token', async () => {
  let count = 0;
  server.handle((_request, response) => {
    if (++count === 1) return; // the first request is never answered
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end('{"error":"invalid_token"}');
  });
  const fetch = createNodeFetch();
  try {
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      credentials,
      fetch,
      timeoutMs: 100,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 5000 },
    });
    await expect(client.revoke('a-token')).resolves.toMatchObject({ outcome: 'revoked', confirmed: false });
  } finally {
    await fetch.close();
  }
});

describe('a failed call says whether an attempt may have revoked the token (mayHaveRevoked)', () => {
  const retry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 5000 };

  it('true after a timed-out attempt, whatever ends the call (here a 401)', async () => {
    server.handle((_request, response, count) => {
      if (count === 1) return; // never answered: it may have revoked the token
      response.writeHead(401).end();
    });
    const client = createRevocationClient({ baseUrl: server.baseUrl, credentials, timeoutMs: 100, retry });
    const error = await client.revoke('a-token').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ mayHaveRevoked: true, attempts: 2 });
    expect((error as InvalidClientError).toJSON()).toMatchObject({ mayHaveRevoked: true });
  });

  it('true when every attempt timed out', async () => {
    server.handle(() => {});
    const client = createRevocationClient({ baseUrl: server.baseUrl, credentials, timeoutMs: 50, retry });
    const error = await client.revoke('a-token').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ mayHaveRevoked: true });
  });

  it('false when every attempt was answered with a refusal (429 or 503, then 401)', async () => {
    server.handle((_request, response, count) => {
      response.writeHead([429, 503, 401][count - 1] ?? 401, { 'retry-after': '0' }).end();
    });
    const client = createRevocationClient({
      baseUrl: server.baseUrl,
      credentials,
      retry: { ...retry, maxAttempts: 3 },
    });
    const error = await client.revoke('a-token').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ mayHaveRevoked: false, attempts: 3 });
  });

  // A gateway may answer 500, 502 or 504 after DigiLocker revoked the token (and they are retried); no
  // server sends 501, 505 or 511 after handling the request (and they are not).
  it.each([
    [500, true, 2],
    [502, true, 2],
    [504, true, 2],
    [501, false, 1],
    [505, false, 1],
    [511, false, 1],
  ])('after a %i: %s, %i attempt(s)', async (status, mayHaveRevoked, attempts) => {
    server.handle((_request, response) => response.writeHead(status).end());
    const client = createRevocationClient({ baseUrl: server.baseUrl, credentials, retry });
    const error = await client.revoke('a-token').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status, mayHaveRevoked, attempts });
  });

  it('a 504, then invalid_token: revoked, unconfirmed (not already invalid)', async () => {
    server.handle((_request, response, count) => {
      if (count === 1) return void response.writeHead(504).end();
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":"invalid_token"}');
    });
    const client = createRevocationClient({ baseUrl: server.baseUrl, credentials, retry });
    await expect(client.revoke('a-token')).resolves.toMatchObject({ outcome: 'revoked', confirmed: false });
  });

  it('false when no connection could be made', async () => {
    const port = await closedPort();
    const client = createRevocationClient({
      baseUrl: server.baseUrl.replace(/:\d+\//, `:${port}/`),
      credentials,
      retry,
    });
    const error = await client.revoke('a-token').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ mayHaveRevoked: false, attempts: 2 });
  });

  it('false for a 429 whose wait outlasts the budget, before any request', async () => {
    server.handle((_request, response) => response.writeHead(429, { 'retry-after': '3600' }).end());
    const client = createRevocationClient({ baseUrl: server.baseUrl, credentials, retry });
    const error = await client.revoke('a-token').catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ mayHaveRevoked: false });
  });
});

describe.each(nodeFetches())('an error status whose body never arrives, with %s', (_, fetch) => {
  const client = () =>
    createRevocationClient({
      baseUrl: server.baseUrl,
      credentials,
      timeoutMs: 300,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 10_000 },
      ...(fetch ? { fetch } : {}),
    });

  /** Sends `status` and the start of a body, then nothing more, or resets the connection (`reset`). */
  const cutShort =
    (status: number, reset: boolean): Handler =>
    (request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.write('{"error":');
      if (reset) setTimeout(() => request.socket.destroy(), 20);
    };
  const thenInvalidToken =
    (first: Handler): Handler =>
    (request, response, count, body) => {
      if (count === 1) return first(request, response, count, body);
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
    };

  it.each([
    ['stalls', false],
    ['is reset', true],
  ])('a 400 whose body %s is not understood, and not retried: never "revoked"', async (_how, reset) => {
    server.handle(thenInvalidToken(cutShort(400, reset)));
    const error = await client()
      .revoke('leaked-token')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 400, attempts: 1, mayHaveRevoked: false, retryable: false });
    expect((error as Error).message).toMatch(/its body could not be read/);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['stalls', false],
    ['is reset', true],
  ])('a 503 whose body %s is retried as a 503: a later invalid_token stays invalid', async (_how, reset) => {
    server.handle(thenInvalidToken(cutShort(503, reset)));
    const error = await client()
      .revoke('leaked-token')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ attempts: 2, mayHaveRevoked: false });
  });

  it('a 401 whose body stalls is refused credentials at once: signOut stops there', async () => {
    server.handle(cutShort(401, false));
    const result = await client().signOut({ refreshToken: 'refresh-token', accessToken: 'access-token' });
    expect(result.refreshToken).toMatchObject({ ok: false, error: { code: 'invalid_client', attempts: 1 } });
    expect(result.accessToken).toMatchObject({ ok: false, attempted: false });
    expect(server.requests).toHaveLength(1);
  });
});
