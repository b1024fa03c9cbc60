// A real forward proxy on 127.0.0.1 that records what it sees and goes nowhere: plain-http requests
// (absolute-form) are answered by the proxy itself; a CONNECT is refused after it is recorded, so the
// tunnel's TLS never starts. Enough to tell what a proxy would see, on a machine with no network.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenByProxy {
  /** `GET http://host/path` or `CONNECT host:443` */
  line: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface RecordingProxy {
  readonly url: string;
  readonly seen: SeenByProxy[];
  close(): Promise<void>;
}

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const seen: SeenByProxy[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push({ line: `${request.method} ${request.url}`, headers: request.headers, body });
      response.end('from the proxy');
    });
  });
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    seen.push({ line: `CONNECT ${request.url}`, headers: request.headers, body: '' });
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
  });
  server.on('connection', (socket) => {
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
