// createNodeFetch (digilocker-revocation/node): undici's fetch over pooled connections and proxies,
// which says when a failed request was never written, and whose close() closes for good.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createNodeFetch, type NodeFetch } from '../../src/node';
import { FETCH_CLOSED, REQUEST_NOT_SENT } from '../../src/retry-policy';
import { startProxy, type TestProxy } from '../support/proxy';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let handler: Handler;
let origin: string;
let seen: string[];
let sockets: Set<Socket>;
let proxy: TestProxy;
const fetches: NodeFetch[] = [];
const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];
const savedEnvironment = { ...process.env };

function nodeFetch(options?: Parameters<typeof createNodeFetch>[0]): NodeFetch {
  const created = createNodeFetch(options);
  fetches.push(created);
  return created;
}

beforeEach(async () => {
  for (const name of PROXY_VARIABLES) delete process.env[name];
  seen = [];
  sockets = new Set();
  handler = (_request, _body, response) => response.end('done');
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push(request.url ?? '');
      handler(request, body, response);
    });
  });
  server.on('connection', (socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy = await startProxy();
});

afterEach(async () => {
  process.env = { ...savedEnvironment };
  await Promise.all(fetches.splice(0).map((created) => created.close()));
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  await proxy.close();
});

const revokeInit = (): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic c2VjcmV0' },
  body: 'token=the-token',
});

/** The `code`s of an error and of its causes, outermost first. */
function codesOf(error: unknown): unknown[] {
  const codes: unknown[] = [];
  for (let current = error as { code?: unknown; cause?: unknown } | undefined; current; ) {
    codes.push(current.code);
    current = current.cause as typeof current;
  }
  return codes;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('createNodeFetch', () => {
  it('sends method, headers and body, and returns the status, headers and body', async () => {
    let received = {};
    handler = (request, body, response) => {
      received = { method: request.method, authorization: request.headers.authorization, body };
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":"invalid_token"}');
    };
    const response = await nodeFetch()(`${origin}/public/oauth2/1/revoke`, revokeInit());
    expect(received).toEqual({ method: 'POST', authorization: 'Basic c2VjcmV0', body: 'token=the-token' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_token' });
  });

  it('accepts a global Request, its method, headers, body and signal', async () => {
    handler = (request, body, response) =>
      response.end(`${request.method} ${request.headers['x-a']} ${body}`);
    const response = await nodeFetch()(
      new Request(`${origin}/a`, { method: 'POST', headers: { 'x-a': '1' }, body: 'from-request' }),
    );
    expect(await response.text()).toBe('POST 1 from-request');
    const aborted = new AbortController();
    aborted.abort(new Error('stop'));
    const error = await rejectionOf(nodeFetch()(new Request(`${origin}/b`, { signal: aborted.signal })));
    expect(codesOf(error)[0]).toBe(REQUEST_NOT_SENT);
  });

  it('sends HTTPS through a CONNECT tunnel of the given proxy: the proxy sees the host, never a secret', async () => {
    const error = await rejectionOf(
      nodeFetch({ proxy: proxy.url })('https://digilocker.example/public/oauth2/1/revoke', revokeInit()),
    );
    expect(proxy.seen.map((entry) => entry.line)).toEqual(['CONNECT digilocker.example:443']);
    expect(JSON.stringify(proxy.seen)).not.toMatch(/c2VjcmV0|the-token|authorization/i);
    // The proxy refused the tunnel: nothing was sent to DigiLocker.
    expect(codesOf(error)[0]).toBe(REQUEST_NOT_SENT);
  });

  it.each([
    ['HTTPS_PROXY', 'https://digilocker.example/x', /^CONNECT digilocker\.example:443$/],
    ['https_proxy', 'https://digilocker.example/x', /^CONNECT digilocker\.example:443$/],
    // Plain http goes to the proxy as an absolute URL (undici 8) or through a tunnel (undici 7).
    [
      'HTTP_PROXY',
      'http://digilocker.example/x',
      /^(CONNECT digilocker\.example:80|POST http:\/\/digilocker\.example\/x)$/,
    ],
  ])('without a proxy option, honours %s', async (variable, url, line) => {
    process.env[variable] = proxy.url;
    await nodeFetch()(url, revokeInit()).then(
      (response) => response.text(),
      () => undefined,
    );
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]?.line).toMatch(line);
  });

  it('honours NO_PROXY', async () => {
    process.env.HTTPS_PROXY = proxy.url;
    process.env.NO_PROXY = 'digilocker.example';
    const error = await rejectionOf(
      nodeFetch()('https://digilocker.example/x', { ...revokeInit(), signal: AbortSignal.timeout(3000) }),
    );
    expect(proxy.seen).toEqual([]);
    expect(codesOf(error)[0]).toBe(REQUEST_NOT_SENT); // no such host, or no answer from the resolver
  });

  it.each([
    ['an explicit proxy', (url: string) => ({ proxy: url })],
    [
      'HTTP_PROXY and HTTPS_PROXY with NO_PROXY unset',
      (url: string) => {
        process.env.HTTP_PROXY = url;
        process.env.HTTPS_PROXY = url;
        return {};
      },
    ],
  ])('sends a loopback URL direct, never through %s', async (_name, optionsFor) => {
    const response = await nodeFetch(optionsFor(proxy.url))(`${origin}/public/oauth2/1/revoke`, revokeInit());
    expect(await response.text()).toBe('done');
    expect(seen).toEqual(['/public/oauth2/1/revoke']);
    expect(proxy.seen).toEqual([]);
  });

  it.each([
    ['localhost.', 'localhost.'],
    ['an IPv4-mapped IPv6 loopback', '[::ffff:127.0.0.1]'],
  ])('sends %s direct too, never through the proxy', async (_name, host) => {
    const { port } = server.address() as AddressInfo;
    // Whether the name resolves here does not matter: the proxy must never see the request.
    await nodeFetch({ proxy: proxy.url })(`http://${host}:${port}/public/oauth2/1/revoke`, {
      ...revokeInit(),
      signal: AbortSignal.timeout(3000),
    }).catch(() => undefined);
    expect(proxy.seen).toEqual([]);
  });

  it('says a request was never sent when its signal aborts while it waits for the only connection', async () => {
    const single = nodeFetch({ connections: 1 });
    handler = (request, _body, response) => {
      setTimeout(() => response.end('done'), request.url === '/first' ? 300 : 0);
    };
    const first = single(`${origin}/first`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the only connection is now busy
    const error = await rejectionOf(single(`${origin}/queued`, { signal: AbortSignal.timeout(20) }));
    expect(codesOf(error)[0]).toBe(REQUEST_NOT_SENT);
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
    expect(await (await first).text()).toBe('done');
    expect(await (await single(`${origin}/third`)).text()).toBe('done');
    expect(seen).toEqual(['/first', '/third']);
  });

  it('says a request may have been sent when its signal aborts while the server holds the answer', async () => {
    handler = () => {}; // never answers
    const error = await rejectionOf(nodeFetch()(`${origin}/held`, { signal: AbortSignal.timeout(100) }));
    expect(codesOf(error)).not.toContain(REQUEST_NOT_SENT);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(seen).toEqual(['/held']);
  });

  it('says a request was never sent when the connection is refused, with the system error as a cause', async () => {
    const closedPort = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    server.listen(0, '127.0.0.1'); // for afterEach
    await once(server, 'listening');
    const error = await rejectionOf(nodeFetch()(`http://127.0.0.1:${closedPort}/x`));
    expect(codesOf(error)).toEqual([REQUEST_NOT_SENT, undefined, 'ECONNREFUSED']);
  });

  it('close() fails the calls in flight and refuses later calls, sending nothing more', async () => {
    const closing = nodeFetch();
    handler = () => {}; // holds the answer
    const inFlight = rejectionOf(closing(`${origin}/in-flight`, revokeInit()));
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await closing.close();
    const inFlightError = await inFlight;
    expect(codesOf(inFlightError)[0]).toBe(FETCH_CLOSED); // written: it may have reached the server
    expect(codesOf(inFlightError)).not.toContain(REQUEST_NOT_SENT);
    const later = await rejectionOf(closing(`${origin}/later`, revokeInit()));
    expect(codesOf(later)).toEqual([REQUEST_NOT_SENT, FETCH_CLOSED]);
    expect((later as Error).cause).toMatchObject({ message: expect.stringMatching(/close\(\) was called/) });
    expect(seen).toEqual(['/in-flight']);
  });

  it('refuses options that make no sense, before any request', () => {
    expect(() => createNodeFetch({ connections: 0 })).toThrow(RangeError);
    expect(() => createNodeFetch({ proxy: 'socks5://127.0.0.1:1080' })).toThrow(
      'proxy must be an http: or https: URL',
    );
    expect(() => createNodeFetch({ proxy: 'not a url' })).toThrow(TypeError);
    // @ts-expect-error an unknown option
    expect(() => createNodeFetch({ maxSockets: 4 })).toThrow('Unknown option "maxSockets"');
  });
});
