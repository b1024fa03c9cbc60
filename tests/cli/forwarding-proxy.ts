// A real HTTP proxy on 127.0.0.1 that records each request it gets and sends every one to a single
// upstream (the mock DigiLocker), whatever host was asked: a base URL such as http://digilocker.test
// then reaches the mock only through the proxy, and no traffic leaves the machine. It serves both
// forms a client may use: absolute-form requests (`POST http://host/path`) and CONNECT tunnels.
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface ForwardingProxy {
  readonly url: string;
  /** `CONNECT host:port` or `POST http://host/path`, one per request or tunnel. */
  readonly seen: string[];
  close(): Promise<void>;
}

/** Starts the proxy; `upstream` is the mock's `http://127.0.0.1:port` (any path is ignored). */
export async function startForwardingProxy(upstream: string): Promise<ForwardingProxy> {
  const target = new URL(upstream);
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const url = new URL(request.url ?? '/', upstream);
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: url.pathname + url.search,
        headers: request.headers,
      },
      (answer: IncomingMessage) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${request.url}`);
    const tunnel = connect(Number(target.port), target.hostname, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      tunnel.write(head);
      tunnel.pipe(client).pipe(tunnel);
    });
    tunnel.on('error', () => client.destroy());
    client.on('error', () => tunnel.destroy());
    sockets.add(tunnel);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
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
