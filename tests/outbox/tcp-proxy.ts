// A TCP proxy on 127.0.0.1 in front of the test PostgreSQL server that can stop forwarding bytes while
// keeping every connection open: a network partition, as PostgreSQL's clients see one.
import net from 'node:net';

/** A running proxy: its port, `blackhole()` to stop forwarding, `close()` to end everything. */
export interface TcpProxy {
  readonly port: number;
  /** From now on no byte goes either way, and new connections are accepted and never answered. */
  blackhole(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy to `targetHost:targetPort`, on `port` (0: any free one). */
export async function startTcpProxy(targetHost: string, targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let silent = false;
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
    client.on('data', (chunk) => {
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silent) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    blackhole() {
      silent = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
