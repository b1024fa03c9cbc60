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
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy to `targetHost:targetPort`, on `port` (0: any free one). */
export async function startTcpProxy(targetHost: string, targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let silent = false;
  let cut: Cut | undefined;
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
      if (!silent && !ended) client.write(chunk);
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
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A cut to come (see {@link TcpProxy.cutOn}). */
interface Cut {
  pattern: Buffer;
  forward: boolean;
  skip: number;
  done: () => void;
}
