// A real forward proxy on 127.0.0.1 that records everything it is asked, for tests on a machine with no
// network. It serves both forms a client may use: absolute-form requests (`POST http://host/path`) and
// CONNECT tunnels. With an `upstream` (a local server's `http://127.0.0.1:port`), it sends every request
// and every tunnel there, whatever host was asked: a base URL such as http://digilocker.test then
// reaches the local server only through the proxy. Without one it goes nowhere: it answers a request
// itself and refuses a CONNECT after recording it, so that a tunnel's TLS never starts.
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

/** One request or tunnel, as the proxy saw it. */
export interface SeenByProxy {
  /** `POST http://host/path` or `CONNECT host:443` */
  line: string;
  headers: IncomingMessage['headers'];
  /** The body of an absolute-form request; empty for a CONNECT (the tunnel's bytes are not read). */
  body: string;
}

export interface TestProxy {
  readonly url: string;
  /** Every request and tunnel, in order of arrival. */
  readonly seen: SeenByProxy[];
  close(): Promise<void>;
}

export interface TestProxyOptions {
  /** Where every request and tunnel goes (any path is ignored); without it, nowhere. */
  upstream?: string;
  /** The status every CONNECT is refused with (407: the proxy wants credentials); 403 without `upstream`. */
  refuseConnect?: number;
}

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const upstream = options.upstream === undefined ? undefined : new URL(options.upstream);
  const seen: SeenByProxy[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen.push({ line: `${request.method} ${request.url}`, headers: request.headers, body: body.toString() });
    if (upstream) forward(request, body, upstream, response);
    else response.end('from the proxy');
  });
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push({ line: `CONNECT ${request.url}`, headers: request.headers, body: '' });
    if (!upstream || options.refuseConnect !== undefined) {
      const status = options.refuseConnect ?? 403;
      const challenge = status === 407 ? 'proxy-authenticate: Basic realm="proxy"\r\n' : '';
      client.end(`HTTP/1.1 ${status} Refused\r\n${challenge}content-length: 0\r\n\r\n`);
      return;
    }
    const tunnel = connect(Number(upstream.port), upstream.hostname, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      tunnel.write(head);
      tunnel.pipe(client).pipe(tunnel);
    });
    tunnel.on('error', () => client.destroy());
    client.on('error', () => tunnel.destroy());
    track(tunnel);
  });
  server.on('connection', track);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Sends an absolute-form request, already read, to the upstream, and its answer back. */
function forward(request: IncomingMessage, body: Buffer, upstream: URL, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', upstream);
  const forwarded = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: url.pathname + url.search,
      headers: request.headers,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  forwarded.on('error', () => response.destroy());
  forwarded.end(body);
}
