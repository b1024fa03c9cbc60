// createNodeTransport (digilocker-revocation/node) is a fetch over undici's keep-alive connection pool:
// what goes in arrives, what comes back is a real Response, aborts and network failures behave like fetch.
import { getEventListeners, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { createNodeTransport, type NodeTransport } from '../../src/node';
import { type DeadlineInit, OWN_DEADLINE, type RequestDeadline } from '../../src/own-deadline';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let handler: Handler;
let origin: string;
let connections: number;
let sockets: Set<Socket>;
let transport: NodeTransport;

beforeEach(async () => {
  connections = 0;
  sockets = new Set();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => handler(request, body, response));
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  transport = createNodeTransport();
});

afterEach(async () => {
  await transport.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Keeps the one connection of a transport busy with `/first` for 200 ms while `abandon` gives up on a
 * request queued behind it; then the freed connection serves `/third`, and the server never saw the
 * abandoned request.
 */
async function abandonWhileQueued(abandon: (single: NodeTransport) => Promise<void>) {
  const single = createNodeTransport({ maxSockets: 1 });
  const seen: string[] = [];
  handler = (request, _body, response) => {
    seen.push(request.url ?? '');
    setTimeout(() => response.end('done'), request.url === '/first' ? 200 : 0);
  };
  try {
    const first = single(`${origin}/first`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the only connection is now busy
    await abandon(single);
    expect(await (await first).text()).toBe('done');
    expect(await (await single(`${origin}/third`)).text()).toBe('done');
    expect(seen).toEqual(['/first', '/third']);
  } finally {
    await single.close();
  }
}

describe('createNodeTransport', () => {
  it('sends method, headers and a string body, and returns status, headers and body', async () => {
    let seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    handler = (request, body, response) => {
      seen = { method: request.method, url: request.url, headers: request.headers, body };
      response.writeHead(400, { 'content-type': 'application/json', 'x-extra': 'yes' });
      response.end('{"error":"invalid_token"}');
    };
    const response = await transport(`${origin}/public/oauth2/1/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic abc' },
      body: 'token=t%C3%A9',
    });
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/public/oauth2/1/revoke',
      body: 'token=t%C3%A9',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic abc',
        'content-length': '13',
      },
    });
    expect(response.status).toBe(400);
    expect(response.ok).toBe(false);
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(await response.json()).toEqual({ error: 'invalid_token' });
  });

  it('accepts a Request, Headers and URLSearchParams', async () => {
    const bodies: string[] = [];
    handler = (request, body, response) => {
      bodies.push(`${request.method} ${request.headers['x-a']} ${body}`);
      response.end();
    };
    await transport(
      new Request(`${origin}/a`, { method: 'POST', headers: { 'x-a': '1' }, body: 'from-request' }),
    );
    await transport(`${origin}/b`, {
      method: 'PUT',
      headers: new Headers({ 'x-a': '2' }),
      body: new URLSearchParams({ token: 'a b' }),
    });
    expect(bodies).toEqual(['POST 1 from-request', 'PUT 2 token=a+b']);
  });

  it('sends Host and Content-Length itself, upper-cases standard methods, combines repeated headers', async () => {
    const seen: string[] = [];
    handler = (request, body, response) => {
      const { host, 'content-length': length, 'x-a': a } = request.headers;
      seen.push(`${request.method} ${request.url} ${host} ${length} ${a} ${body}`);
      response.writeHead(201, 'Made It');
      response.end();
    };
    const response = await transport(`${origin}/c?q=1`, {
      method: 'post',
      headers: [
        ['x-a', '3'],
        ['X-A', '4'],
        ['content-length', '999'],
        ['host', 'elsewhere.example'],
      ],
      body: 'prepared',
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made It');
    expect(seen).toEqual([`POST /c?q=1 ${new URL(origin).host} 8 3, 4 prepared`]);
  });

  it('refuses a URL with credentials, as fetch does, sending nothing', async () => {
    let requests = 0;
    handler = (_request, _body, response) => {
      requests++;
      response.end();
    };
    const url = new URL(origin);
    url.username = 'user';
    url.password = 'pass';
    await expect(transport(url)).rejects.toThrow(TypeError);
    expect(requests).toBe(0);
  });

  it('returns an empty 200 and a 204 with no body', async () => {
    handler = (request, _body, response) => {
      response.writeHead(request.url === '/204' ? 204 : 200);
      response.end();
    };
    expect(await (await transport(`${origin}/200`)).text()).toBe('');
    const noContent = await transport(`${origin}/204`);
    expect(noContent.status).toBe(204);
    expect(noContent.body).toBeNull();
  });

  it('reuses its keep-alive connections for sequential requests', async () => {
    handler = (_request, _body, response) => response.end('ok');
    for (let i = 0; i < 10; i++) await (await transport(`${origin}/`, { method: 'POST', body: 'x' })).text();
    // The pool may open a second connection while the first one is finishing its previous exchange.
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('never follows a redirect', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(302, { location: '/elsewhere' });
      response.end();
    };
    const response = await transport(`${origin}/`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
  });

  it('rejects at once with the reason of an already aborted signal, sending nothing', async () => {
    let requests = 0;
    handler = (_request, _body, response) => {
      requests++;
      response.end();
    };
    const reason = new Error('stop');
    await expect(transport(`${origin}/`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(requests).toBe(0);
  });

  it('aborts a request waiting for its answer, and the server sees the connection close', async () => {
    handler = () => {}; // never answers
    const controller = new AbortController();
    const closed = new Promise((resolve) =>
      server.once('request', (request) => request.socket.once('close', resolve)),
    );
    const pending = transport(`${origin}/`, { method: 'POST', body: 'x', signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await closed;
  });

  it('aborts a request still queued for a connection at once', async () => {
    const single = createNodeTransport({ maxSockets: 1 });
    handler = (_request, _body, response) => {
      setTimeout(() => response.end('late'), 1_000);
    };
    try {
      const first = single(`${origin}/first`);
      await new Promise((resolve) => setTimeout(resolve, 20)); // the only connection is now busy
      const controller = new AbortController();
      const queued = single(`${origin}/second`, { signal: controller.signal });
      const abortedAt = Date.now();
      controller.abort(new Error('no more waiting'));
      await expect(queued).rejects.toThrow('no more waiting');
      expect(Date.now() - abortedAt).toBeLessThan(200);
      expect(await (await first).text()).toBe('late');
    } finally {
      await single.close();
    }
  });

  it('never sends a request aborted while it was queued, once a connection frees', async () => {
    await abandonWhileQueued(async (single) => {
      const controller = new AbortController();
      const queued = single(`${origin}/abandoned`, { signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 20)); // queued behind the first
      controller.abort(new Error('abandoned'));
      await expect(queued).rejects.toThrow('abandoned');
    });
  });

  it('leaves no listener on a signal shared by many requests once they are answered', async () => {
    handler = (_request, _body, response) => response.end();
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await transport(`${origin}/`, { signal: controller.signal });
    await expect(transport(`${origin}/`, { signal: controller.signal })).resolves.toMatchObject({
      status: 200,
    });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  describe('the deadline the revocation client hands it (init[OWN_DEADLINE])', () => {
    const withDeadline = (timeoutMs: number, reason: unknown = new Error('deadline passed')) =>
      ({ [OWN_DEADLINE]: { timeoutMs, onTimeout: () => reason } satisfies RequestDeadline }) as RequestInit;

    it('is announced by the brand the client looks for', () => {
      expect((transport as unknown as Record<symbol, unknown>)[OWN_DEADLINE]).toBe(true);
    });

    it('rejects with its reason when the answer is late, and the server sees the connection close', async () => {
      handler = () => {}; // never answers
      const closed = new Promise((resolve) =>
        server.once('request', (request) => request.socket.once('close', resolve)),
      );
      const reason = new Error('deadline passed');
      const startedAt = Date.now();
      await expect(
        transport(`${origin}/`, { method: 'POST', body: 'x', ...withDeadline(100, reason) }),
      ).rejects.toBe(reason);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(90);
      await closed;
    });

    it('never sends a request whose deadline passed while it was queued', async () => {
      await abandonWhileQueued(async (single) => {
        await expect(single(`${origin}/late`, withDeadline(30))).rejects.toThrow('deadline passed');
      });
    });

    it('leaves no timer behind once the answer is in', async () => {
      handler = (_request, _body, response) => response.end('ok');
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
      const before = timers();
      for (let i = 0; i < 5; i++) {
        const response = await transport(`${origin}/`, withDeadline(60_000));
        expect(await response.text()).toBe('ok');
      }
      expect(timers()).toBe(before);
    });
  });

  it('aborts a request whose TLS handshake never completes at once', async () => {
    // A TCP server that accepts and never speaks: the handshake of https:// hangs.
    const silent = createNetServer((socket) => socket.on('error', () => {}));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    try {
      const controller = new AbortController();
      const pending = transport(`https://127.0.0.1:${port}/`, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('handshake too slow')), 50);
      const startedAt = Date.now();
      await expect(pending).rejects.toThrow('handshake too slow');
      expect(Date.now() - startedAt).toBeLessThan(500);
    } finally {
      silent.close();
    }
  });

  it('aborts while the body is still arriving', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200);
      response.write('partial'); // and never ends
    };
    const controller = new AbortController();
    const pending = transport(`${origin}/`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('slow body')), 50);
    await expect(pending).rejects.toThrow('slow body');
  });

  it.each([
    ['a reason phrase in Latin-1', Buffer.from('HTTP/1.1 200 Caf\xe9', 'latin1'), 200],
    ['a reason phrase in UTF-8', Buffer.from('HTTP/1.1 200 OK \u2713'), 200],
    ['a control character in the reason phrase', Buffer.from('HTTP/1.1 200 \x01bad'), 200],
    ['status 600', Buffer.from('HTTP/1.1 600 X'), 'fetch failed'],
    ['status 999', Buffer.from('HTTP/1.1 999 Request denied'), 'fetch failed'],
  ])('settles on a status line no Response takes as it is (%s)', async (_, statusLine, expected) => {
    const raw = createNetServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () =>
        socket.end(Buffer.concat([statusLine, Buffer.from('\r\nContent-Length: 0\r\n\r\n')])),
      );
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const { port } = raw.address() as AddressInfo;
    try {
      const settled = await transport(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' }).then(
        (response) => response.status,
        (error: Error) => error.message,
      );
      expect(settled).toBe(expected);
    } finally {
      raw.close();
    }
  });

  it('with a deadline, answers a 2xx whose body is still arriving when it passes, and closes the connection', async () => {
    handler = (request, _body, response) => {
      response.writeHead(request.url === '/ok' ? 200 : 500);
      response.write('partial'); // and never ends
    };
    const deadline = (): DeadlineInit => ({
      method: 'POST',
      body: 'x',
      [OWN_DEADLINE]: { timeoutMs: 100, onTimeout: () => new Error('deadline passed') },
    });
    const response = await transport(`${origin}/ok`, deadline());
    expect(response.status).toBe(200);
    const [socket] = sockets;
    await once(socket as Socket, 'close');
    await expect(transport(`${origin}/error`, deadline())).rejects.toThrow('deadline passed');
  });

  it('fails like fetch when the connection is refused, with the system error as the cause', async () => {
    const closedServer = createServer();
    closedServer.listen(0, '127.0.0.1');
    await once(closedServer, 'listening');
    const port = (closedServer.address() as AddressInfo).port;
    await new Promise((resolve) => closedServer.close(resolve));
    const error = await transport(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('fails like fetch when the server drops the connection after reading the request', async () => {
    handler = (request) => request.socket.destroy();
    const error = await transport(`${origin}/`, { method: 'POST', body: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'UND_ERR_SOCKET' }, // what Node's fetch reports too
    });
  });

  it('close() ends the pooled connections', async () => {
    handler = (_request, _body, response) => response.end('ok');
    await (await transport(`${origin}/`)).text();
    const [socket] = sockets;
    const socketClosed = once(socket as Socket, 'close');
    await transport.close();
    await socketClosed;
  });

  it('refuses options that make no sense', () => {
    expect(() => createNodeTransport({ maxSockets: 0 })).toThrow(RangeError);
    expect(() => createNodeTransport({ idleTimeoutMs: -1 })).toThrow(RangeError);
    // @ts-expect-error: a typo of maxSockets
    expect(() => createNodeTransport({ maxSocket: 8 })).toThrow('Unknown option "maxSocket"');
  });
});
