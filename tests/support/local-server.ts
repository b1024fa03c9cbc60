// A real node:http server on 127.0.0.1 for the tests where sockets, bodies or timing matter. Each test
// sets the handler, which gets the request's body as text; the server counts the requests it received
// and closes every socket afterwards.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Handler = (
  request: IncomingMessage,
  response: ServerResponse,
  count: number,
  body: string,
) => void;

export interface LocalServer {
  /** `http://127.0.0.1:<port>/public` */
  readonly baseUrl: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Requests received since the test began, by path. */
  readonly requests: string[];
  handle(handler: Handler): void;
}

/** Starts the server before the file's tests and stops it after them. */
export function useLocalServer(): LocalServer {
  let server: Server;
  let handler: Handler = (_request, response) => response.end();
  const sockets = new Set<Socket>();
  const state = { baseUrl: '', origin: '', requests: [] as string[] };
  beforeAll(async () => {
    server = createServer((request, response) => {
      state.requests.push(request.url ?? '');
      const count = state.requests.length;
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => handler(request, response, count, body));
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    state.baseUrl = `${state.origin}/public`;
  });
  beforeEach(() => {
    state.requests.length = 0;
    handler = (_request, response) => response.end();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    get baseUrl() {
      return state.baseUrl;
    },
    get origin() {
      return state.origin;
    },
    get requests() {
      return state.requests;
    },
    handle(next) {
      handler = next;
    },
  };
}

/** A handler that answers the first request with a 429 and `retryAfter`, every other one with 200 after `delayMs`. */
export function firstRateLimited(retryAfter: string, delayMs = 20): Handler {
  return (_request, response, count) => {
    if (count === 1) {
      response.writeHead(429, { 'retry-after': retryAfter }).end();
      return;
    }
    setTimeout(() => response.end(), delayMs);
  };
}
