// Timeouts, dropped connections, the ambiguity rule and cancellation, against a real node:http server
// on 127.0.0.1 (interception would hide what sockets do), with both global fetch and createNodeFetch.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidTokenError, NetworkError, type RevocationClientOptions, TimeoutError } from '../../src';
import { testClient } from '../support/clients';
import { nodeFetches } from '../support/node-fetches';

type Handler = (request: IncomingMessage, response: ServerResponse, attempt: number) => void;

let server: Server;
let handler: Handler;
let attempts: number;
let baseUrl: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handler(request, response, ++attempts));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/public`;
});
beforeEach(() => {
  attempts = 0;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const invalidToken = (response: ServerResponse) => {
  response.writeHead(400, { 'content-type': 'application/json' });
  response.end('{"error":"invalid_token","error_description":"The token is invalid"}');
};
const never = () => {};

describe.each(nodeFetches())('with %s', (_, fetch) => {
  const client = (extra: Partial<RevocationClientOptions> = {}) =>
    testClient({
      baseUrl,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      timeoutMs: 150,
      ...(fetch ? { fetch } : {}),
      ...extra,
    });

  it('bounds an attempt that gets no answer by timeoutMs, retries, then rejects with TimeoutError', async () => {
    handler = never;
    const started = performance.now();
    const error = await client()
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'timeout', attempts: 3, retryable: true });
    expect(attempts).toBe(3);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('closes the connection of an attempt that timed out', async () => {
    handler = never;
    const closed = new Promise((resolve) =>
      server.once('request', (request) => request.socket.once('close', resolve)),
    );
    await expect(client({ retry: false }).revoke('token-0123456789')).rejects.toBeInstanceOf(TimeoutError);
    await closed;
  });

  it('ends a slow error body at the timeout on its status alone, and a slow 2xx body as revoked', async () => {
    handler = (_request, response, count) => {
      response.writeHead(count === 1 ? 400 : 200);
      response.write('{'); // and the rest never comes
    };
    const slowError = client({ retry: false }).revoke('token-0123456789');
    // A 400 whose body never came is no answer about the token: not invalid_token, not a timeout.
    await expect(slowError).rejects.toMatchObject({ code: 'unexpected_response', status: 400 });
    const slowSuccess = client({ retry: false }).revoke('token-0123456789');
    await expect(slowSuccess).resolves.toMatchObject({ outcome: 'revoked', status: 200 });
  });

  it('retries a connection dropped after the request was sent, and then succeeds', async () => {
    handler = (request, response, attempt) => {
      if (attempt === 1) request.socket.destroy();
      else response.end();
    };
    await expect(client().revoke('token-0123456789')).resolves.toMatchObject({
      outcome: 'revoked',
      confirmed: true,
      attempts: 2,
    });
  });

  it('rejects with NetworkError when every attempt is dropped', async () => {
    handler = (request) => request.socket.destroy();
    const error = await client()
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'network_error', attempts: 3 });
  });

  it('ambiguity rule: a dropped first attempt, then invalid_token, means revoked (unconfirmed)', async () => {
    handler = (request, response, attempt) =>
      attempt === 1 ? request.socket.destroy() : invalidToken(response);
    await expect(client().revoke('token-0123456789')).resolves.toMatchObject({
      outcome: 'revoked',
      confirmed: false,
      status: 400,
      attempts: 2,
    });
  });

  it('ambiguity rule: a timed-out first attempt, then invalid_token, means revoked (unconfirmed)', async () => {
    handler = (_request, response, attempt) => (attempt === 1 ? undefined : invalidToken(response));
    await expect(client().revoke('token-0123456789')).resolves.toMatchObject({
      outcome: 'revoked',
      confirmed: false,
    });
  });

  it('no ambiguity without an earlier attempt: invalid_token rejects', async () => {
    handler = (_request, response) => invalidToken(response);
    await expect(client().revoke('token-0123456789')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('no ambiguity after a 503: the server answered, so invalid_token rejects', async () => {
    handler = (_request, response, attempt) => {
      if (attempt === 1) {
        response.writeHead(503);
        response.end();
      } else invalidToken(response);
    };
    await expect(client().revoke('token-0123456789')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('the caller’s signal aborts the current attempt at once, with signal.reason, and nothing more is sent', async () => {
    handler = never;
    const controller = new AbortController();
    const reason = new Error('user left');
    const started = performance.now();
    setTimeout(() => controller.abort(reason), 30);
    await expect(
      client({ timeoutMs: 5000 }).revoke('token-0123456789', { signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(attempts).toBe(1);
  });

  it('an abort without a reason rejects with the standard AbortError', async () => {
    handler = never;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(
      client({ timeoutMs: 5000 }).revoke('token-0123456789', { signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('an abort during the backoff stops at once, with no further attempt', async () => {
    handler = (_request, response) => {
      response.writeHead(503, { 'retry-after': '5' });
      response.end();
    };
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 100);
    await expect(client().revoke('token-0123456789', { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(attempts).toBe(1);
  });

  it('an already aborted signal sends nothing', async () => {
    handler = (_request, response) => response.end();
    await expect(client().revoke('token-0123456789', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(attempts).toBe(0);
  });
});

describe('timeouts that do not depend on fetch following its signal', () => {
  const ignoresSignal = () => new Promise<Response>(() => {}); // never settles, never looks at the signal

  it('a fetch that ignores its signal still times out', async () => {
    const client = testClient({
      baseUrl,
      fetch: ignoresSignal,
      timeoutMs: 100,
      retry: false,
    });
    await expect(client.revoke('token-0123456789')).rejects.toBeInstanceOf(TimeoutError);
  });

  it('a fetch that ignores its signal is still aborted', async () => {
    const client = testClient({
      baseUrl,
      fetch: ignoresSignal,
      timeoutMs: 10_000,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 30);
    await expect(client.revoke('token-0123456789', { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('a garbage collection in the middle of a request loses neither the timeout nor the abort (nodejs/node#55428)', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run the tests with node --expose-gc (npm test does)');
    handler = never;
    const client = testClient({
      baseUrl,
      timeoutMs: 300,
      retry: false,
    });
    const timedOut = client.revoke('token-0123456789').catch((e: unknown) => e);
    const controller = new AbortController();
    const aborted = testClient({
      baseUrl,
      timeoutMs: 10_000,
    })
      .revoke('token-abcdefghij', { signal: controller.signal })
      .catch((e: unknown) => e);
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
    }
    controller.abort();
    const started = performance.now();
    expect(await timedOut).toBeInstanceOf(TimeoutError);
    expect(await aborted).toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
