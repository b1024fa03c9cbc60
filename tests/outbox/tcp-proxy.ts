// A TCP proxy on 127.0.0.1 in front of the test PostgreSQL server that can stop forwarding bytes while
// keeping every connection open (a network partition, as PostgreSQL's clients see one), or cut the
// connection that sends given bytes (a network that fails at an exact point of a transaction).
import net from 'node:net';

/** A running proxy: its port, `blackhole()` to stop forwarding, `close()` to end everything. */
export interface TcpProxy {
  readonly port: number;
  /** From now on no byte goes either way, and new connections are accepted and never answered. */
  blackhole(): void;
  /**
   * Cuts the connection whose client next sends `pattern` (once `skip` earlier sends of it, on any
   * connection, went through): the client's side is closed at once and never hears from the server
   * again; the server's side is ended (a FIN after what was forwarded, so the server reads all of it).
   * With `forward`, the chunk that holds `pattern` reaches the server first (which runs it, its answer
   * lost); without, it never does. Resolves once a connection was cut. One cut per call.
   */
  cutOn(pattern: string | Buffer, options: { forward: boolean; skip?: number }): Promise<void>;
  /**
   * Ends a connection as if its backend were terminated the moment it said it was ready: the server's
   * chunk that holds its next ReadyForQuery `status` (once `skip` earlier ones went through, on any
   * connection) reaches the client followed, in the same chunk, by the FATAL error of
   * `pg_terminate_backend`, so that the client reads both at once. `I` (idle), the first of a new
   * connection, or of a statement outside a transaction; `T`, of a statement inside one. Resolves once
   * done. One termination per call.
   */
  terminateWhenReady(status: 'I' | 'T', skip?: number): Promise<void>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy to `targetHost:targetPort`, on `port` (0: any free one). */
export async function startTcpProxy(targetHost: string, targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let silent = false;
  let cut: Cut | undefined;
  let terminate: Termination | undefined;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    if (silent) return client.pause();
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    let ended = false; // cut: nothing more either way, the server's side ends on its own
    let tail = Buffer.alloc(0); // the end of the previous chunk: a pattern may straddle two
    client.on('data', (chunk) => {
      if (silent || ended) return;
      if (cut && Buffer.concat([tail, chunk]).includes(cut.pattern) && cut.skip-- === 0) {
        const { forward, done } = cut;
        cut = undefined;
        ended = true;
        if (forward) upstream.write(chunk);
        upstream.end();
        client.destroy();
        return done();
      }
      tail = cut ? chunk.subarray(Math.max(0, chunk.length - cut.pattern.length + 1)) : Buffer.alloc(0);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (silent || ended) return;
      if (terminate && chunk.includes(terminate.ready) && terminate.skip-- === 0) {
        const { done } = terminate;
        terminate = undefined;
        ended = true;
        client.end(Buffer.concat([chunk, ADMINISTRATOR_TERMINATION]));
        upstream.destroy();
        return done();
      }
      client.write(chunk);
    });
    client.on('close', () => {
      if (!ended) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    blackhole() {
      silent = true;
    },
    cutOn(pattern, { forward, skip = 0 }) {
      return new Promise((done) => {
        cut = { pattern: Buffer.from(pattern), forward, skip, done };
      });
    },
    terminateWhenReady(status, skip = 0) {
      return new Promise((done) => {
        terminate = { ready: Buffer.from(`Z\0\0\0\x05${status}`, 'latin1'), skip, done };
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The ErrorResponse a backend sends when `pg_terminate_backend` ends it. */
const ADMINISTRATOR_TERMINATION = errorResponse({
  S: 'FATAL',
  V: 'FATAL',
  C: '57P01',
  M: 'terminating connection due to administrator command',
});

function errorResponse(fields: Record<string, string>): Buffer {
  const body = Buffer.from(
    `${Object.entries(fields)
      .map(([type, value]) => `${type}${value}\0`)
      .join('')}\0`,
  );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from('E'), length, body]);
}

/** A termination to come (see {@link TcpProxy.terminateWhenReady}): its ReadyForQuery message. */
interface Termination {
  ready: Buffer;
  skip: number;
  done: () => void;
}

/** A cut to come (see {@link TcpProxy.cutOn}). */
interface Cut {
  pattern: Buffer;
  forward: boolean;
  skip: number;
  done: () => void;
}
