// A minimal revocation endpoint for the benchmarks. Imported, this module exports `startServer()`,
// which forks this same file as a child process so that the client and the server each get a core.
// Run as that child, it answers 200 with an empty body to `POST /public/oauth2/1/revoke` carrying a
// body and an `Authorization: Basic` header, and 400 to anything else. It parses nothing: the server's
// cost must stay small and identical for every contender.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const REVOKE_PATH = '/public/oauth2/1/revoke';
const thisFile = fileURLToPath(import.meta.url);

/**
 * Starts the server in a child process, answering after `latencyMs`. Resolves with its port, `stats()` (requests answered and CPU
 * microseconds used since it started, to tell when the server rather than the client was the
 * bottleneck) and `close()`.
 */
export function startServer({ latencyMs = 0 } = {}) {
  const child = fork(thisFile, ['--serve', `--latency-ms=${latencyMs}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const nextMessage = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message?.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code) => reject(new Error(`The bench server exited (code ${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  return nextMessage('listening').then(({ port }) => ({
    port,
    async stats() {
      const promise = nextMessage('stats');
      child.send({ type: 'stats' });
      const { requests, cpuMicros } = await promise;
      return { requests, cpuMicros };
    },
    close() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      });
    },
  }));
}

function serve() {
  // A DigiLocker that takes this long to answer each request (its network and work), for the figures
  // that compare queue overhead with the time a real answer takes.
  const latencyMs = Number(process.argv.find((arg) => arg.startsWith('--latency-ms='))?.slice(13) ?? 0);
  let requests = 0;
  const server = createServer((request, response) => {
    let bodyBytes = 0;
    request.on('data', (chunk) => {
      bodyBytes += chunk.length;
    });
    request.on('end', () => {
      requests++;
      const valid =
        request.method === 'POST' &&
        request.url === REVOKE_PATH &&
        bodyBytes > 0 &&
        request.headers.authorization?.startsWith('Basic ') === true;
      const answer = () => {
        response.writeHead(valid ? 200 : 400, { 'Content-Length': '0' });
        response.end();
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });

  // Keep-alive for the whole run: no client should have to reconnect because the server hung up.
  server.keepAliveTimeout = 10 * 60_000;
  server.headersTimeout = server.keepAliveTimeout + 1_000;
  server.requestTimeout = 0;
  server.maxRequestsPerSocket = 0;

  server.listen(0, '127.0.0.1', () => {
    process.send({ type: 'listening', port: server.address().port });
  });
  process.on('message', (message) => {
    if (message?.type !== 'stats') return;
    const { user, system } = process.cpuUsage();
    process.send({ type: 'stats', requests, cpuMicros: user + system });
  });
  // The parent disconnects (or exits) when it is done: leave with it.
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[1] === thisFile && process.argv.includes('--serve')) serve();
